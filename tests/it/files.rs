//! Hostile paths given for a text file (a device, a FIFO, a directory, a huge or non-UTF-8 file)
//! give a clear error naming the path, at once, for every kind of file lmh reads: configuration
//! (`lmh config check`), fixtures, contracts and journals.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use lmh::config::{CheckInputs, ConfigError, MAX_CONFIG_BYTES};
use lmh::contract::{Contract, MAX_CONTRACT_BYTES};
use lmh::files::{ReadError, read_text_file};
use lmh::fixtures::{FixtureError, MAX_FIXTURE_BYTES};
use lmh::mock::{MAX_JOURNAL_BYTES, read_journal};

use crate::helpers::{closed_port, lmh, run_lmh};

/// Only a guard so that a regression (blocking on a FIFO, reading /dev/zero forever) fails the
/// test instead of hanging the suite; nothing is asserted about speed.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Run `f` on another thread; fail if it has not returned within [`HANG_GUARD`].
fn guarded<T: Send + 'static>(what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(value) => value,
        // The worker panicked (a failed assertion inside `f`): report that panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not return: it blocks, or reads without bound")
        }
    }
}

/// A temporary directory holding one of each hostile input.
struct Hostile {
    _dir: tempfile::TempDir,
    fifo: PathBuf,
    dir: PathBuf,
    big: PathBuf,
    binary: PathBuf,
}

impl Hostile {
    /// `big` is one byte over `limit` (sparse, so it costs no disk).
    fn new(limit: u64) -> Hostile {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let status = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", fifo.display());
        let sub = dir.path().join("a-directory");
        std::fs::create_dir(&sub).expect("mkdir");
        let big = dir.path().join("big");
        std::fs::File::create(&big)
            .and_then(|f| f.set_len(limit + 1))
            .expect("sparse file");
        let binary = dir.path().join("latin1");
        std::fs::write(&binary, b"PORT=3001\n# a\xf1o\n").expect("write");
        Hostile {
            _dir: dir,
            fifo,
            dir: sub,
            big,
            binary,
        }
    }

    /// Each input with a phrase its error must contain.
    fn cases(&self) -> Vec<(PathBuf, &'static str)> {
        vec![
            (PathBuf::from("/dev/zero"), "a device"),
            (self.fifo.clone(), "FIFO"),
            (self.dir.clone(), "a directory"),
            (self.big.clone(), "larger than"),
            (self.binary.clone(), "offset 13"),
        ]
    }
}

/// `read` must fail on every hostile input, with a message naming the path and the problem.
fn refuses_every_hostile_input(
    what: &str,
    limit: u64,
    read: impl Fn(&Path) -> Result<(), String> + Send + Sync + Copy + 'static,
) {
    let hostile = Hostile::new(limit);
    for (path, needle) in hostile.cases() {
        let shown = path.display().to_string();
        let p = path.clone();
        let result = guarded(format!("{what} {shown}"), move || read(&p));
        let err = result.expect_err(&format!("{what} {shown} must be refused"));
        assert!(
            err.contains(&shown),
            "{what}: the error names the path: {err}"
        );
        assert!(
            err.contains(needle),
            "{what} {shown}: expected {needle:?} in: {err}"
        );
    }
}

#[test]
fn the_helper_refuses_hostile_inputs_and_reads_files_up_to_the_limit() {
    refuses_every_hostile_input("file", 1024, |p| {
        read_text_file(p, 1024, "test file")
            .map(drop)
            .map_err(|e| e.to_string())
    });

    let dir = tempfile::tempdir().unwrap();
    let exact = dir.path().join("exact");
    std::fs::write(&exact, "x".repeat(1024)).unwrap();
    assert_eq!(
        read_text_file(&exact, 1024, "test file").unwrap().len(),
        1024
    );
    let err = read_text_file(&exact, 1023, "test file").unwrap_err();
    assert!(
        matches!(err, ReadError::TooLarge { limit: 1023, .. }),
        "{err}"
    );
    assert_eq!(err.path(), exact);

    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&exact, &link).unwrap();
    assert_eq!(
        read_text_file(&link, 1024, "test file").unwrap().len(),
        1024
    );

    let missing = dir.path().join("missing");
    let err = read_text_file(&missing, 1024, "test file").unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }), "{err}");
    assert!(err.to_string().contains("check the path"), "{err}");
}

/// Files under /proc say they are empty; the bound must hold while reading, not only by size.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_claims_to_be_empty_is_still_bounded() {
    let path = Path::new("/proc/self/maps");
    assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
    let err = read_text_file(path, 16, "test file").unwrap_err();
    assert!(
        matches!(err, ReadError::TooLarge { limit: 16, .. }),
        "{err}"
    );
    assert!(read_text_file(path, 16 * 1024 * 1024, "test file").is_ok());
}

#[test]
fn config_check_refuses_hostile_env_pm2_and_shell_files() {
    let check_with = |configure: fn(&mut CheckInputs, PathBuf)| {
        move |p: &Path| {
            let mut inputs = CheckInputs::default();
            inputs.sm.shell.insert("PORT".into(), "3001".into());
            configure(&mut inputs, p.to_path_buf());
            lmh::config::check(&inputs)
                .map(drop)
                .map_err(|e| e.to_string())
        }
    };
    refuses_every_hostile_input(
        "--hub-env",
        MAX_CONFIG_BYTES,
        check_with(|i, p| i.hub.dotenv = Some(p)),
    );
    refuses_every_hostile_input(
        "--sm-pm2",
        MAX_CONFIG_BYTES,
        check_with(|i, p| i.sm.pm2 = Some(p)),
    );
    refuses_every_hostile_input("--sm-shell-file", MAX_CONFIG_BYTES, |p| {
        lmh::config::read_shell_file(p)
            .map(drop)
            .map_err(|e| e.to_string())
    });

    let err = lmh::config::check(&CheckInputs {
        hub: lmh::config::ServiceInputs {
            dotenv: Some("/dev/zero".into()),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(err, ConfigError::NotAFile { .. }), "{err}");
}

#[test]
fn lmh_config_check_with_dev_zero_exits_2_naming_it() {
    let (code, _, stderr) = guarded("lmh config check --hub-env /dev/zero".into(), || {
        run_lmh(&["config", "check", "--hub-env", "/dev/zero"])
    });
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("not a regular file"),
        "{stderr}"
    );
}

#[test]
fn fixtures_refuse_hostile_files() {
    refuses_every_hostile_input(
        "fixture",
        MAX_FIXTURE_BYTES,
        |p| match lmh::fixtures::load(p) {
            Ok(_) => Ok(()),
            Err(e @ FixtureError::Read { .. }) => Err(e.to_string()),
            Err(other) => panic!("{}: expected a read error, got: {other}", p.display()),
        },
    );
}

#[test]
fn contracts_refuse_hostile_files() {
    refuses_every_hostile_input("contract", MAX_CONTRACT_BYTES, |p| {
        Contract::load(p).map(drop).map_err(|e| {
            assert_eq!(e.location, "file", "{e}");
            e.to_string()
        })
    });
}

#[test]
fn lmh_contract_diff_with_a_fifo_exits_2_naming_it() {
    let hostile = Hostile::new(0);
    let fifo = hostile.fifo.display().to_string();
    let arg = fifo.clone();
    let (code, _, stderr) = guarded(format!("lmh contract diff {fifo} v1"), move || {
        run_lmh(&["contract", "diff", &arg, "v1"])
    });
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&fifo) && stderr.contains("FIFO"),
        "{stderr}"
    );
}

#[test]
fn journals_refuse_hostile_files() {
    // Streamed: a journal is refused at its first bad line, so the non-UTF-8 case starts with a
    // good entry and must still be refused at the byte, not taken for a parse error.
    let hostile = Hostile::new(MAX_JOURNAL_BYTES);
    let entry = r#"{"seq":1,"at":"2026-01-01T00:00:00Z","method":"GET","path":"/status","headers":{},"body":"","unknown_route":false,"status":200,"response":""}"#;
    let mut bytes = format!("{entry}\n").into_bytes();
    bytes.extend_from_slice(b"{\"a\xf1o\"}\n");
    std::fs::write(&hostile.binary, &bytes).unwrap();
    let offset = format!("offset {}", entry.len() + 1 + 3);
    for (path, needle) in hostile.cases() {
        let needle = if path == hostile.binary {
            offset.as_str()
        } else {
            needle
        };
        let p = path.clone();
        let err = guarded(format!("journal {}", path.display()), move || {
            read_journal(&p).map_err(|e| e.to_string())
        })
        .expect_err("refused");
        assert!(
            err.contains(&path.display().to_string()) && err.contains(needle),
            "{needle}: {err}"
        );
    }
}

/// `lmh config check --sm-shell PORT=70000 --junit PATH` (a check fails: exit 1 means it wrote).
fn check_with_junit(path: &Path) -> std::process::Output {
    lmh()
        .args(["config", "check", "--sm-shell", "PORT=70000", "--junit"])
        .arg(path)
        .output()
        .expect("lmh runs")
}

#[test]
fn junit_refuses_a_symlink_or_a_fifo_at_the_path_and_leaves_them_alone() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("report.xml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = check_with_junit(&link);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&link.display().to_string()) && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");

    let hostile = Hostile::new(0);
    let out = check_with_junit(&hostile.fifo);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&hostile.fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // Nothing else was left behind in the directory.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn junit_replaces_a_regular_file_and_ignores_a_link_at_the_old_temporary_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    std::fs::write(&path, "old").unwrap();
    // The old code wrote through this predictable name.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("report.xml.lmh-tmp")).unwrap();
    let out = check_with_junit(&path);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("<?xml"), "{written}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");

    let missing = dir.path().join("no-such-dir/r.xml");
    let err = lmh::files::write_output_file(&missing, b"x", "test report").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cannot write it") && msg.contains("os error 2"),
        "{msg}"
    );
    assert!(
        !msg.contains(".lmh-"),
        "names the user's path, not a temporary one: {msg}"
    );

    let fresh = dir.path().join("new.xml");
    lmh::files::write_output_file(&fresh, b"bytes", "test report").unwrap();
    assert_eq!(std::fs::read(&fresh).unwrap(), b"bytes");
    use std::os::unix::fs::PermissionsExt;
    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"x").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&fresh),
        mode(&plain),
        "the mode fs::write gives, not 0600"
    );
}

#[test]
fn the_mock_journal_refuses_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("journal.jsonl");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = lmh::files::open_append_file(&link, "journal").unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let hostile = Hostile::new(0);
    let err = guarded("open_append_file(fifo)".into(), move || {
        lmh::files::open_append_file(&hostile.fifo, "journal")
            .map(drop)
            .unwrap_err()
            .to_string()
    });
    assert!(err.contains("FIFO"), "{err}");
}

/// An output path lmh would refuse is refused before the run starts (no database is touched:
/// here none could be reached), the error is said once, and the other files asked for are
/// still written with that error as their one check.
#[test]
fn a_refused_output_path_is_refused_up_front_said_once_and_the_other_files_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("report.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let junit = dir.path().join("report.xml");
    let closed = format!("127.0.0.1:{}", closed_port());
    let out = lmh()
        .args([
            "gate",
            "--db-url",
            &format!("mysql://root@{closed}"),
            "--markdown",
        ])
        .arg(&link)
        .arg("--junit")
        .arg(&junit)
        .output()
        .expect("lmh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("refusing to write it").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("Markdown report"), "{stderr}");
    assert!(!stderr.contains(&closed), "the run started: {stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is still written");
    assert!(xml.contains("refusing to write it"), "{xml}");
}
