//! Hostile and broken files: each gets its specific error and leaves no trace.

mod common;
use common::*;
use std::io::Write;
use xinbao_import::ImportOptions;

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
    // An encrypted OOXML file is an OLE2 container holding EncryptionInfo and
    // EncryptedPackage (as Excel writes one with a password to open).
    let file = env.path("secret.xlsx");
    let mut container = cfb::create(&file).unwrap();
    for (name, body) in [
        ("/EncryptionInfo", vec![4u8; 200]),
        ("/EncryptedPackage", vec![7u8; 5000]),
    ] {
        std::io::Write::write_all(&mut container.create_stream(name).unwrap(), &body).unwrap();
    }
    container.flush().unwrap();
    drop(container);
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

/// 20,000 distinct merchant names of 1,500 characters: calamine holds every shared string in
/// memory, about 90 MB once read, from a file of a few tens of MB.
fn write_many_long_strings(path: &std::path::Path, rows: u32) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for r in 1..=rows {
        let name: String = (0..1500)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from_u32(0x4e00 + (seed % 0x5000) as u32).unwrap()
            })
            .collect();
        sheet.write_string(r, 1, &name).unwrap();
        sheet.write_string(r, 2, "13800138000").unwrap();
    }
    book.save(path).unwrap();
}

#[test]
fn a_file_that_needs_more_memory_than_the_reader_may_have_fails_alone() {
    let mut env = Env::new();
    let file = env.path("long-strings.xlsx");
    write_many_long_strings(&file, 20_000);
    // The parser child, limited to 64 MiB, runs out of memory and aborts: the import is
    // refused with the file's name, and this process (the window, in the app) goes on.
    let err = env
        .stage_with(
            &file,
            &ImportOptions {
                parser_memory_bytes: 64 << 20,
                ..options()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "import.damaged", "{err}");
    assert!(err.to_string().contains("long-strings.xlsx"), "{err}");
    assert!(err.to_string().contains("64 MiB"), "{err}");
    env.assert_untouched();
    // Under the normal limit the same file is read.
    let out = env.stage(&file).unwrap();
    assert_eq!(out.summary.rows_read, 20_000);
}

#[test]
fn a_reader_that_dies_or_talks_nonsense_is_an_error_not_a_crash() {
    let mut env = Env::new();
    let file = env.path("ok.xlsx");
    write_xlsx(
        &file,
        &[("S", vec![header_row(), row("张三", "13800138000", 1.0)])],
        &[],
    );
    // Not a parser at all: it says nothing and exits.
    for program in ["/bin/true", "/bin/false", "/bin/echo"] {
        let err = env
            .stage_with(
                &file,
                &ImportOptions {
                    parser: Some(program.into()),
                    ..options()
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "import.damaged", "{program}: {err}");
        env.assert_untouched();
    }
}

/// A sheet that breaks after thousands of good rows (past the first frames the parser sends):
/// the rows already read are not kept as a staged import, the error is the file's.
#[test]
fn a_sheet_broken_after_many_rows_keeps_none_of_them() {
    let mut env = Env::new();
    let full = env.path("long.xlsx");
    let mut rows = vec![header_row()];
    rows.extend((0..20_000).map(|_| row("张三", "13800138000", 1.0)));
    write_xlsx(&full, &[("S", rows)], &[]);
    let broken = env.path("broken.xlsx");
    let mut from = zip::ZipArchive::new(std::fs::File::open(&full).unwrap()).unwrap();
    let mut to = zip::ZipWriter::new(std::fs::File::create(&broken).unwrap());
    for i in 0..from.len() {
        let mut entry = from.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        if name.starts_with("xl/worksheets/") {
            // Cut inside the rows, then a tag that never closes.
            bytes.truncate(bytes.len() * 3 / 4);
            bytes.extend_from_slice(b"<row r=\"x\"><c r=<<<");
        }
        to.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        to.write_all(&bytes).unwrap();
    }
    to.finish().unwrap();
    refused(&mut env, &broken, "import.damaged");
}
