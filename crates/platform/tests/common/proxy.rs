//! A TCP proxy between the client and the platform that misbehaves on purpose: it cuts
//! connections part-way through a request or a response, or stalls a response past the
//! client's timeout. TLS passes through it untouched (the client still checks the
//! platform's certificate). Seeded, so a failing run can be replayed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy)]
pub enum Fault {
    Pass,
    /// Close after this many bytes from the client (mid-request).
    CutRequest(usize),
    /// Close after this many bytes from the server (mid-response).
    CutResponse(usize),
    /// Hold the response this long (past the client's timeout).
    Stall(Duration),
}

pub struct Proxy {
    pub addr: SocketAddr,
    pub faults_seen: Arc<Mutex<Vec<Fault>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// `fault_pct` of connections get a fault, chosen by `seed`.
    pub async fn start(upstream: SocketAddr, seed: u64, fault_pct: u32, stall: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let faults_seen = Arc::new(Mutex::new(Vec::new()));
        let seen = faults_seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let fault = {
                    let mut r = rng.lock().unwrap();
                    if r.gen_range(0..100) < fault_pct {
                        match r.gen_range(0..3) {
                            // TLS handshake and a request are a few kilobytes: cut inside them.
                            0 => Fault::CutRequest(r.gen_range(100..6000)),
                            1 => Fault::CutResponse(r.gen_range(100..6000)),
                            _ => Fault::Stall(stall),
                        }
                    } else {
                        Fault::Pass
                    }
                };
                seen.lock().unwrap().push(fault);
                tokio::spawn(relay(client, upstream, fault));
            }
        });
        Proxy {
            addr,
            faults_seen,
            task,
        }
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, fault: Fault) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        let limit = if let Fault::CutRequest(n) = fault {
            n
        } else {
            usize::MAX
        };
        copy(&mut cr, &mut sw, limit, None).await
    };
    let down = async {
        let limit = if let Fault::CutResponse(n) = fault {
            n
        } else {
            usize::MAX
        };
        let stall = if let Fault::Stall(d) = fault {
            Some(d)
        } else {
            None
        };
        copy(&mut sr, &mut cw, limit, stall).await
    };
    // Whichever direction ends first ends the connection (both halves dropped).
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn copy(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    limit: usize,
    mut stall: Option<Duration>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    let mut chunks = 0;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        chunks += 1;
        // Past the first chunk (the TLS handshake's): the answer itself is slow.
        if chunks > 1 {
            if let Some(d) = stall.take() {
                tokio::time::sleep(d).await;
            }
        }
        let n = n.min(limit - sent);
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        sent += n;
        if sent >= limit {
            return;
        }
    }
}
