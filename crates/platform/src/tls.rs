//! HTTPS: on first start a local CA and a server certificate for 127.0.0.1/localhost signed
//! by it are generated into `<data-dir>/tls/`. Clients trust `ca.pem` (the app through its
//! settings); nobody ever switches certificate checks off.

use crate::error::StartError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct TlsFiles {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// The TLS files under `data_dir`, generated if any is missing.
pub fn ensure(data_dir: &Path) -> Result<TlsFiles, StartError> {
    let dir = data_dir.join("tls");
    let files = TlsFiles {
        ca_cert: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
    };
    if files.ca_cert.exists() && files.server_cert.exists() && files.server_key.exists() {
        return Ok(files);
    }
    std::fs::create_dir_all(&dir).map_err(|e| StartError::Io(dir.clone(), e))?;

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Xinbao reference platform local CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut server =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server.signed_by(&key, &ca_cert, &ca_key)?;

    // The CA goes last: its presence is what says the set is whole.
    write(&files.server_key, key.serialize_pem().as_bytes(), true)?;
    write(&files.server_cert, cert.pem().as_bytes(), false)?;
    write(&files.ca_cert, ca_cert.pem().as_bytes(), false)?;
    Ok(files)
}

fn write(path: &Path, bytes: &[u8], secret: bool) -> Result<(), StartError> {
    let tmp = path.with_extension("tmp");
    let io = |e| StartError::Io(path.to_path_buf(), e);
    std::fs::write(&tmp, bytes).map_err(io)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    std::fs::rename(&tmp, path).map_err(io)
}

/// The rustls server configuration (ring provider, HTTP/1.1).
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, StartError> {
    let pem = |e: rustls::pki_types::pem::Error| StartError::Other(format!("PEM: {e}"));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.server_cert)
        .map_err(pem)?
        .collect::<Result<_, _>>()
        .map_err(pem)?;
    let key = PrivateKeyDer::from_pem_file(&files.server_key).map_err(pem)?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
