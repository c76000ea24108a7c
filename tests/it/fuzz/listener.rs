//! Target `listener`: raw bytes sent to the `receive` listener of a run with templated and
//! parameterised receive paths, as a hostile sender would: odd request lines, very long
//! paths, bad headers, bodies that lie about their length, pipelined requests.
//!
//! Property besides "no panic, no hang": whatever the listener sends back is HTTP, and it
//! still answers a well-formed request afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use rand::Rng as _;
use rand::seq::IndexedRandom as _;

use super::engine::{Rng, Target, Worker, sig};
use super::mutate;
use super::seeds;

pub struct Listener;

const COLLECTION: &str = r#"vars: { tenant: t1, batch: b1 }
requests:
  - name: status
    receive:
      path: "/hook/{{ tenant }}/{{ batch }}/status"
      timeout: 1s
  - name: by id
    receive: { method: PUT, path: "/items/{id}", timeout: 1s }
"#;

const TOKENS: &[&str] = &[
    "\r\n",
    "\r\n\r\n",
    "/",
    "//",
    "%2F",
    "%",
    "%00",
    "{{ x }}",
    "Content-Length: 999999999\r\n",
    "Content-Length: -1\r\n",
    "Transfer-Encoding: chunked\r\n",
    "0\r\n\r\n",
    "ffffffff\r\n",
    "Expect: 100-continue\r\n",
    "Host: x\r\n",
    " HTTP/1.1",
    "HTTP/1.0",
    "\u{0}",
    "é",
    "/hook/t1/b1/status",
    "/items/1",
];

fn request(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Target for Listener {
    type Input = Vec<u8>;
    type Worker = Runner;
    const NAME: &'static str = "listener";
    const ITERATIONS: u64 = 120;

    fn seeds() -> Vec<Vec<u8>> {
        let mut s = vec![
            request("POST", "/hook/t1/b1/status", "{\"a\":1}"),
            request("PUT", "/items/42?x=1&y=%2F", "{}"),
            request("GET", "/nothing", ""),
            request("POST", &format!("/hook/{}x", "a/".repeat(2000)), ""),
            b"POST /hook/a/b/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ];
        s.extend(seeds::corpus(Self::NAME).into_iter().map(|(_, b)| b));
        s
    }

    fn mutate(rng: &mut Rng, input: &Vec<u8>, corpus: &[Vec<u8>]) -> Vec<u8> {
        if rng.random_bool(0.1) {
            return corpus.choose(rng).cloned().unwrap_or_default();
        }
        let text = String::from_utf8_lossy(input);
        let others: Vec<&str> = Vec::new();
        let mut out = mutate::text(rng, &text, &others, TOKENS).into_bytes();
        out.truncate(1 << 16);
        out
    }

    fn encode(input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }

    fn shrink(input: &Vec<u8>) -> Vec<Vec<u8>> {
        mutate::shrink_bytes(input)
    }
}

pub struct Runner {
    runtime: tokio::runtime::Runtime,
    listener: baton::run::Listener,
}

impl Worker<Vec<u8>> for Runner {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let c = baton::format::load_str(Path::new("c.yaml"), COLLECTION.to_string())
            .expect("the collection loads");
        let expected = baton::run::expected(&[&c]);
        let listener = runtime
            .block_on(baton::run::Listener::start(
                "127.0.0.1:0".parse().expect("an address"),
                expected,
            ))
            .expect("the listener starts");
        // The runtime drives the listener from a thread of its own.
        Self { runtime, listener }
    }

    fn run(&mut self, input: &Vec<u8>) -> Result<u64, String> {
        let addr = self.listener.addr;
        let _guard = self.runtime.enter();
        let answer = std::thread::scope(|s| {
            let client = s.spawn(move || exchange(addr, input));
            // Drive the listener while the client talks to it.
            self.runtime.block_on(async {
                while !client.is_finished() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            });
            client
                .join()
                .map_err(|_| "the client thread panicked".to_string())
        })??;
        let status = answer.get(9..12).unwrap_or("---").to_string();
        if !answer.is_empty() && !answer.starts_with("HTTP/1.") {
            return Err(format!(
                "not an HTTP answer: {:?}",
                &answer[..answer.len().min(80)]
            ));
        }
        // Still serving.
        let probe = std::thread::scope(|s| {
            let client = s.spawn(move || exchange(addr, &request("GET", "/probe", "")));
            self.runtime.block_on(async {
                while !client.is_finished() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            });
            client
                .join()
                .map_err(|_| "the probe thread panicked".to_string())
        })??;
        if !probe.starts_with("HTTP/1.1 404") {
            return Err(format!("the listener stopped answering: {probe:?}"));
        }
        Ok(sig(&status))
    }
}

/// Sends `bytes` and reads the answer (at most 64 KiB). Silence for 200 ms is no answer
/// (the server waits for the rest of a request): the connection is dropped then. (No
/// half-close: the server, like most, takes one as the client going away.)
fn exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > 1 << 16 {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
