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
    let out = guarded("lmh config check --hub-env /dev/zero".into(), || {
        Command::new(env!("CARGO_BIN_EXE_lmh"))
            .args(["config", "check", "--hub-env", "/dev/zero"])
            .output()
            .expect("lmh runs")
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
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
    let out = guarded(format!("lmh contract diff {fifo} v1"), move || {
        Command::new(env!("CARGO_BIN_EXE_lmh"))
            .args(["contract", "diff", &arg, "v1"])
            .output()
            .expect("lmh runs")
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&fifo) && stderr.contains("FIFO"),
        "{stderr}"
    );
}

#[test]
fn journals_refuse_hostile_files() {
    refuses_every_hostile_input("journal", MAX_JOURNAL_BYTES, |p| read_journal(p).map(drop));
}
