//! Hostile and broken files: each gets its specific error and leaves no trace.

mod common;
use common::*;
use std::io::Write;

fn refused(env: &mut Env, file: &std::path::Path, code: &str) {
    let err = env.stage(file).unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    assert!(
        err.to_string()
            .contains(&*file.file_name().unwrap().to_string_lossy()),
        "names the file: {err}"
    );
    env.assert_untouched();
}

#[test]
fn not_a_spreadsheet() {
    let mut env = Env::new();
    let png = env.path("photo.xlsx");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01").unwrap();
    refused(&mut env, &png, "import.not_spreadsheet");
    let zip_file = env.path("archive.xlsx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_file).unwrap());
    z.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"hello").unwrap();
    z.finish().unwrap();
    refused(&mut env, &zip_file, "import.not_spreadsheet");
}

#[test]
fn empty_file_and_empty_sheet() {
    let mut env = Env::new();
    let empty = env.path("empty.xlsx");
    std::fs::write(&empty, b"").unwrap();
    refused(&mut env, &empty, "import.empty_file");
    let blank = env.path("blank.xlsx");
    write_xlsx(&blank, &[("Sheet1", vec![])], &[]);
    refused(&mut env, &blank, "import.empty_sheet");
    // The untouched template has only its example row: nothing to import.
    let template = env.path("template.xlsx");
    xinbao_import::template::write(&template).unwrap();
    refused(&mut env, &template, "import.empty_sheet");
}

#[test]
fn a_truncated_workbook() {
    let mut env = Env::new();
    let full = env.path("full.xlsx");
    let mut rows = vec![header_row()];
    rows.extend((0..200).map(|_| row("张三", "13800138000", 1.0)));
    write_xlsx(&full, &[("S", rows)], &[]);
    let bytes = std::fs::read(&full).unwrap();
    let cut = env.path("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    refused(&mut env, &cut, "import.damaged");
}

#[test]
fn a_zip_bomb() {
    let mut env = Env::new();
    let bomb = env.path("bomb.xlsx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("xl/workbook.xml", opts).unwrap();
    z.write_all(b"<workbook/>").unwrap();
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        z.write_all(&zeros).unwrap();
    }
    z.finish().unwrap();
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 2 << 20,
        "64 MiB of zeros compress to almost nothing"
    );
    refused(&mut env, &bomb, "import.zip_bomb");
}

#[test]
fn an_encrypted_workbook() {
    let mut env = Env::new();
    // An encrypted OOXML file is an OLE2 container holding EncryptionInfo and EncryptedPackage.
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    for name in ["EncryptionInfo", "EncryptedPackage"] {
        bytes.extend(name.encode_utf16().flat_map(|u| u.to_le_bytes()));
        bytes.resize(bytes.len() + 64, 0);
    }
    let file = env.path("secret.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    refused(&mut env, &file, "import.encrypted");
}

#[test]
fn garbage_never_panics() {
    let mut env = Env::new();
    let mut seed: u64 = 42;
    for i in 0..200 {
        let mut bytes = Vec::new();
        if i % 3 == 0 {
            bytes.extend(b"PK\x03\x04");
        }
        for _ in 0..(seed % 4096) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        let file = env.path(&format!("garbage-{i}.xlsx"));
        std::fs::write(&file, &bytes).unwrap();
        let _ = env.stage(&file);
    }
    env.assert_untouched();
}

#[test]
fn a_truncated_xls_found_by_fuzzing_is_a_damaged_file_not_a_crash() {
    // crates/import/fuzz (open_workbook) found it: calamine indexed past a sector and
    // panicked, which killed the CLI.
    let mut env = Env::new();
    let file = env.path("fuzzed.xls");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/fuzz-truncated-cfb.xls"
        ),
        &file,
    )
    .unwrap();
    let err = env.stage(&file).unwrap_err();
    assert_eq!(err.code(), "import.damaged", "{err}");
    assert!(err.to_string().contains("fuzzed.xls"));
    env.assert_untouched();
}
