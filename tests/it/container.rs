//! The containerized database: a real container from `LMH_MYSQL_IMAGE` serves real SQL on
//! loopback, and is gone afterwards.
//!
//! Without a Docker engine these tests print "skipped: no Docker engine" and pass, unless
//! `LMH_REQUIRE_DOCKER=1` (as CI sets it), where they fail with the reason.

use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use lmh::container::{
    self, ContainerError, MysqlContainer, check_docker, check_docker_at, image_from_env,
};
use sqlx::mysql::MySqlPoolOptions;
use sqlx::{MySqlPool, Row};
use testcontainers::bollard::Docker;

/// Whether Docker and the test image are usable; without them, skip (or fail when
/// LMH_REQUIRE_DOCKER=1).
async fn docker_or_skip(test: &str) -> bool {
    let required = std::env::var("LMH_REQUIRE_DOCKER").as_deref() == Ok("1");
    let engine = match check_docker().await {
        Ok(engine) => engine,
        Err(e) => {
            assert!(
                !required,
                "{test}: LMH_REQUIRE_DOCKER=1 but Docker is not usable: {e}"
            );
            eprintln!("skipped: no Docker engine ({test}): {e}");
            return false;
        }
    };
    // A developer's engine without the image is not a failure of lmh; CI builds the image.
    let image = image_from_env();
    let listed = std::process::Command::new("docker")
        .args(["image", "inspect", &image])
        .env("DOCKER_HOST", &engine.endpoint)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(true);
    if !listed {
        assert!(
            !required,
            "{test}: LMH_REQUIRE_DOCKER=1 but image {image} is missing; run ci/setup-docker.sh"
        );
        eprintln!(
            "skipped: image {image} not built ({test}); run ci/setup-docker.sh and set LMH_MYSQL_IMAGE=lmh-mariadb:10.11"
        );
        return false;
    }
    true
}

async fn start_from_env() -> MysqlContainer {
    let image = image_from_env();
    match MysqlContainer::start(&image).await {
        Ok(c) => {
            eprintln!(
                "{}: container {} ready on port {} after {} ms",
                c.image(),
                &c.id()[..12.min(c.id().len())],
                c.port(),
                c.ready_after().as_millis()
            );
            c
        }
        Err(e) => panic!("could not start {image}: {e}"),
    }
}

/// Is a container with this id still known to the engine?
async fn container_exists(id: &str) -> bool {
    let docker = Docker::connect_with_host(&container::docker_endpoint())
        .unwrap_or_else(|e| panic!("cannot reach Docker to check container {id}: {e}"));
    match docker.inspect_container(id, None).await {
        Ok(_) => true,
        Err(testcontainers::bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }) => false,
        Err(e) => panic!("inspecting container {id} failed: {e}"),
    }
}

async fn pool(url: &str) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

#[tokio::test]
async fn container_serves_sql_and_is_removed_on_stop() {
    if !docker_or_skip("container_serves_sql_and_is_removed_on_stop").await {
        return;
    }
    let c = start_from_env().await;
    let url = c.server_url();
    assert_eq!(url, format!("mysql://root@127.0.0.1:{}", c.port()));
    let id = c.id().to_string();
    assert!(
        container_exists(&id).await,
        "container {id} should exist while running"
    );

    let db = utf8mb4_round_trips(&url).await;
    let version = is_the_image_listening_where_told(&db, &c).await;
    eprintln!("server version: {version}");
    db.close().await;

    let port = c.port();
    c.stop().await.unwrap_or_else(|e| panic!("stop: {e}"));
    assert!(
        !container_exists(&id).await,
        "container {id} still exists after stop"
    );
    assert!(
        TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_secs(2))
            .is_err(),
        "something still listens on 127.0.0.1:{port} after stop"
    );
}

#[tokio::test]
async fn container_is_removed_when_dropped() {
    if !docker_or_skip("container_is_removed_when_dropped").await {
        return;
    }
    let c = start_from_env().await;
    let id = c.id().to_string();
    let db = pool(&c.server_url()).await;
    let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&db).await.unwrap();
    assert_eq!(one, 1);
    db.close().await;
    drop(c);
    assert!(
        !container_exists(&id).await,
        "container {id} survived its drop"
    );
}

#[tokio::test]
async fn missing_image_is_reported_not_pulled() {
    if !docker_or_skip("missing_image_is_reported_not_pulled").await {
        return;
    }
    let image = format!("lmh-no-such-image-{}:0.0", fastrand::u32(..));
    // The bound only turns a hang into a failure; a correct answer comes from a local lookup.
    let result = tokio::time::timeout(Duration::from_secs(60), MysqlContainer::start(&image))
        .await
        .unwrap_or_else(|_| panic!("starting missing image {image} hung"));
    match result {
        Err(ContainerError::ImageMissing { image: named }) => assert_eq!(named, image),
        Err(other) => panic!("expected ImageMissing for {image}, got: {other}"),
        Ok(c) => panic!("a container started from nonexistent {image}: {c:?}"),
    }
}

#[tokio::test]
async fn invalid_image_is_rejected_before_docker() {
    for value in ["", "mysql", "Mysql:8.4", "mysql:8.4 extra"] {
        match MysqlContainer::start(value).await {
            Err(ContainerError::InvalidImage { value: v, .. }) => assert_eq!(v, value),
            Err(other) => panic!("{value:?}: expected InvalidImage, got: {other}"),
            Ok(c) => panic!("{value:?}: started {c:?}"),
        }
    }
}

#[tokio::test]
async fn absent_engine_is_reported_with_what_to_do() {
    let endpoint = format!("unix:///tmp/lmh-no-docker-{}.sock", fastrand::u32(..));
    match check_docker_at(&endpoint).await {
        Err(e @ ContainerError::NoDocker { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&endpoint), "{msg}");
            assert!(
                msg.contains("ci/setup-docker.sh") && msg.contains("--db-url"),
                "{msg}"
            );
        }
        other => panic!("expected NoDocker for {endpoint}, got {other:?}"),
    }
}

/// A server that loses the race for its port exits; lmh retries once on a fresh port.
#[tokio::test]
async fn lost_port_race_is_retried_on_a_new_port() {
    if !docker_or_skip("lost_port_race_is_retried_on_a_new_port").await {
        return;
    }
    // Hold a loopback port so the first server cannot bind it.
    let squatter = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let image = image_from_env();
    let c = MysqlContainer::start_with_first_port(&image, taken)
        .await
        .unwrap_or_else(|e| panic!("start {image} with port {taken} taken: {e}"));
    assert_ne!(c.port(), taken, "the server claims the squatted port");
    let db = pool(&c.server_url()).await;
    let port: u32 = sqlx::query_scalar("SELECT @@port")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(port, u32::from(c.port()));
    db.close().await;
    drop(squatter);
    c.stop().await.unwrap_or_else(|e| panic!("stop: {e}"));
}

/// An image whose entrypoint cannot run gives a start error naming the cause, and the
/// container Docker created for it is removed.
#[tokio::test]
async fn unstartable_image_fails_and_leaves_no_container() {
    if !docker_or_skip("unstartable_image_fails_and_leaves_no_container").await {
        return;
    }
    let image = format!("lmh-test-unstartable:{}", fastrand::u32(..));
    // An empty root filesystem (an empty tar is 1024 zero bytes) whose entrypoint is absent.
    let mut import = std::process::Command::new("docker")
        .args([
            "import",
            "--change",
            r#"ENTRYPOINT ["/nonexistent"]"#,
            "-",
            &image,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("running the docker CLI to build {image}: {e}"));
    std::io::Write::write_all(&mut import.stdin.take().unwrap(), &[0u8; 1024]).unwrap();
    assert!(
        import.wait().unwrap().success(),
        "docker import of {image} failed"
    );

    let result = MysqlContainer::start(&image).await;
    let leftovers = std::process::Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("ancestor={image}")])
        .output()
        .unwrap();
    let _ = std::process::Command::new("docker")
        .args(["image", "rm", "-f", &image])
        .output();
    match result {
        Err(e @ ContainerError::Start { .. }) => {
            assert!(e.to_string().contains("/nonexistent"), "{e}");
        }
        Err(other) => panic!("expected a start error for {image}, got: {other}"),
        Ok(c) => panic!("{image} has no server, yet started: {c:?}"),
    }
    let leftovers = String::from_utf8_lossy(&leftovers.stdout);
    assert!(
        leftovers.trim().is_empty(),
        "containers left behind: {leftovers}"
    );
}

/// A fresh container holds nothing of anyone else's, so a fixed scratch name is safe: text
/// in utf8mb4 comes back as written. Returns the pool on that database.
async fn utf8mb4_round_trips(url: &str) -> MySqlPool {
    let admin = pool(url).await;
    sqlx::query("CREATE DATABASE lmh_ct CHARACTER SET utf8mb4")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let db = pool(&format!("{url}/lmh_ct")).await;
    sqlx::query(
        "CREATE TABLE envio (id BIGINT PRIMARY KEY AUTO_INCREMENT, \
         estado VARCHAR(16) NOT NULL, mensaje TEXT NOT NULL) CHARACTER SET utf8mb4",
    )
    .execute(&db)
    .await
    .unwrap();
    let rows = [("pendiente", "Hola ñandú"), ("enviado", "¿Cómo estás? 👋")];
    for (estado, mensaje) in rows {
        sqlx::query("INSERT INTO envio (estado, mensaje) VALUES (?, ?)")
            .bind(estado)
            .bind(mensaje)
            .execute(&db)
            .await
            .unwrap();
    }
    let back: Vec<(String, String)> = sqlx::query("SELECT estado, mensaje FROM envio ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected: Vec<(String, String)> = rows
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(back, expected);
    db
}

/// The server is the image's version and listens only where lmh told it to; its version.
async fn is_the_image_listening_where_told(db: &MySqlPool, c: &MysqlContainer) -> String {
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(db)
        .await
        .unwrap();
    let tag = c.image().rsplit(':').next().unwrap_or_default();
    if tag.starts_with(|ch: char| ch.is_ascii_digit()) {
        assert!(
            version.starts_with(&format!("{tag}.")) || version == tag,
            "server version {version:?} does not match image tag {tag:?}"
        );
    } else {
        assert!(!version.is_empty(), "empty server version");
    }
    if c.image().contains("mariadb") {
        assert!(version.contains("MariaDB"), "{version:?} is not MariaDB");
    }
    let (bind, port): (String, u32) = sqlx::query_as("SELECT @@bind_address, @@port")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(bind, "127.0.0.1");
    assert_eq!(port, u32::from(c.port()));
    version
}
