//! How each HTTP client takes its request: which argument is the URL, where the method,
//! headers and body go (`fetch`, `axios` and its instances, `got`, `node:http(s)`).

use super::value::{Client, Obj, Part, Val, concat};
use super::walk::Walker;

/// A request as a call writes it.
pub(crate) struct Request<'a> {
    pub url: Val<'a>,
    pub method: Val<'a>,
    pub headers: Val<'a>,
    pub body: Val<'a>,
}

/// The request `client.member(args)` makes; `None` when the call makes none (`axios.create`).
pub(crate) fn request<'a>(
    w: &mut Walker<'_, 'a>,
    client: &Client<'a>,
    member: Option<&str>,
    args: &[Val<'a>],
) -> Option<Request<'a>> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Val::Undefined);
    match client {
        Client::Fetch if member.is_none() => {
            let opts = arg(1);
            Some(Request {
                url: arg(0),
                method: or_default(w.member(opts.clone(), "method"), "GET"),
                headers: w.member(opts.clone(), "headers"),
                body: w.member(opts, "body"),
            })
        }
        Client::Axios(instance) => axios(w, instance, member, args),
        Client::Got => {
            let verb = member.filter(|m| is_verb(m));
            if member.is_some() && verb.is_none() {
                return None;
            }
            let opts = arg(1);
            let json = w.member(opts.clone(), "json");
            Some(Request {
                url: arg(0),
                method: match verb {
                    Some(v) => Val::lit(&v.to_ascii_uppercase()),
                    None => or_default(w.member(opts.clone(), "method"), "GET"),
                },
                headers: w.member(opts.clone(), "headers"),
                body: if matches!(json, Val::Undefined) {
                    w.member(opts, "body")
                } else {
                    json
                },
            })
        }
        Client::NodeHttp if matches!(member, Some("request" | "get")) => {
            let (url, opts) = match arg(0) {
                Val::Obj(o) => (node_url(w, &Val::Obj(o.clone())), Val::Obj(o)),
                url => (url, arg(1)),
            };
            Some(Request {
                url,
                method: or_default(w.member(opts.clone(), "method"), "GET"),
                headers: w.member(opts, "headers"),
                body: Val::Undefined,
            })
        }
        _ => None,
    }
}

fn axios<'a>(
    w: &mut Walker<'_, 'a>,
    instance: &Obj<'a>,
    member: Option<&str>,
    args: &[Val<'a>],
) -> Option<Request<'a>> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Val::Undefined);
    let (url, config, data, verb) = match member {
        None | Some("request") if matches!(arg(0), Val::Obj(_)) => {
            let config = arg(0);
            let url = w.member(config.clone(), "url");
            let data = w.member(config.clone(), "data");
            (url, config, data, None)
        }
        None => (arg(0), arg(1), Val::Undefined, None),
        Some(m @ ("get" | "delete" | "head" | "options")) => {
            (arg(0), arg(1), Val::Undefined, Some(m))
        }
        Some(m @ ("post" | "put" | "patch")) => (arg(0), arg(2), arg(1), Some(m)),
        // A computed method (see `Walker::eval`): where the config goes depends on it.
        Some("") => {
            let computed = Val::Unknown("a computed axios method".into());
            (arg(0), computed.clone(), computed, Some(""))
        }
        Some(_) => return None,
    };
    let base = instance.get("baseURL");
    let absolute = url.text().is_some_and(|t| t.starts_with("http"));
    let url = match base {
        Val::Undefined => url,
        _ if absolute => url,
        base => Val::Str(concat(base.parts(), url.parts())),
    };
    let method = match verb {
        Some("") => Val::Unknown("a computed axios method".into()),
        Some(v) => Val::lit(&v.to_ascii_uppercase()),
        None => or_default(
            or_undefined(w.member(config.clone(), "method"), instance.get("method")),
            "GET",
        ),
    };
    let headers = match (instance.get("headers"), w.member(config, "headers")) {
        (Val::Obj(a), b) => Walker::obj(a.merged(&b)),
        (Val::Undefined, b) => b,
        (a, _) => a,
    };
    Some(Request {
        url,
        method,
        headers,
        body: data,
    })
}

/// The URL of `http.request({ hostname, port, path })`: the host is the session-manager's
/// when it is read off `SESSION_MANAGER_BASE_URL`.
fn node_url<'a>(w: &mut Walker<'_, 'a>, opts: &Val<'a>) -> Val<'a> {
    let host = ["origin", "hostname", "host"]
        .iter()
        .map(|k| w.member(opts.clone(), k))
        .find(|v| !matches!(v, Val::Undefined))
        .unwrap_or(Val::Undefined);
    let path = w.member(opts.clone(), "path");
    let host = if host.has_base() {
        vec![Part::Base]
    } else {
        host.parts()
    };
    Val::Str(concat(host, path.parts()))
}

fn is_verb(m: &str) -> bool {
    matches!(m, "get" | "post" | "put" | "patch" | "delete" | "head")
}

fn or_default<'a>(v: Val<'a>, default: &str) -> Val<'a> {
    match v {
        Val::Undefined => Val::lit(default),
        v => v,
    }
}

fn or_undefined<'a>(v: Val<'a>, other: Val<'a>) -> Val<'a> {
    match v {
        Val::Undefined => other,
        v => v,
    }
}
