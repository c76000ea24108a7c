//! The mock server: serves a mock file's routes. (Being written on another branch; this is the interface.)

use std::net::SocketAddr;
use std::path::Path;

pub struct MockFile {
    serves: String,
}

impl MockFile {
    pub fn serves(&self) -> &str {
        &self.serves
    }
}

pub fn load(path: &Path) -> Result<MockFile, String> {
    Err(format!(
        "{}: the mock server is not available yet",
        path.display()
    ))
}

pub struct RunningMock {
    pub addr: SocketAddr,
    pub url: String,
}

pub async fn start(mock: MockFile, port: u16) -> std::io::Result<RunningMock> {
    let _ = (mock, port);
    Err(std::io::Error::other("not available yet"))
}

impl RunningMock {
    pub async fn stop(self) {}
}

pub fn cmd_mock(path: &Path, port: u16) -> i32 {
    let _ = (path, port);
    2
}
