//! Every word the page shows comes from the translation tables: no Chinese text is written
//! into the page's code, and every key the code names exists in every table.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "html")
        ) {
            out.push(path);
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// The single-quoted literals of a source that look like keys (`a.b`, `a.b_c.d`), except
/// the element specs of `h('dialog.dialog', …)`.
fn key_like_literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(open) = rest.find('\'') {
        let before = &rest[..open];
        let after = &rest[open + 1..];
        let Some(close) = after.find('\'') else {
            break;
        };
        let piece = &after[..close];
        rest = &after[close + 1..];
        if before.ends_with("h(") {
            continue;
        }
        let segments: Vec<&str> = piece.split('.').collect();
        if segments.len() >= 2
            && segments.iter().all(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
        {
            out.push(piece.to_string());
        }
    }
    out
}

#[test]
fn the_page_writes_no_chinese_and_names_only_keys_that_exist() {
    let mut files = Vec::new();
    sources(&ui_dir(), &mut files);
    assert!(files.len() > 10, "found the page's sources: {files:?}");
    let zh: BTreeSet<&str> = xinbao_i18n::keys("zh-CN").into_iter().collect();
    // Literals whose first segment starts no key are element specs (`td.num`), not keys.
    let prefixes: BTreeSet<&str> = zh.iter().filter_map(|k| k.split('.').next()).collect();
    let mut problems = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).unwrap();
        // The code without its comments (which may quote the manual in Chinese, and whose
        // apostrophes would pair up with the quotes of the code).
        let mut code_only = String::new();
        for (n, line) in src.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('*') || trimmed.starts_with("/*") {
                continue;
            }
            let code = line.split("// ").next().unwrap_or("");
            let code = code.split("<!--").next().unwrap_or("");
            if code.chars().any(is_cjk) {
                problems.push(format!(
                    "{}:{}: Chinese text in code: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
            code_only.push_str(code);
            code_only.push('\n');
        }
        for key in key_like_literals(&code_only) {
            let prefix = key.split('.').next().unwrap();
            // An error code the page branches on has its words under `error.<code>`.
            let known = zh.contains(key.as_str()) || zh.contains(format!("error.{key}").as_str());
            if prefixes.contains(prefix) && !known {
                problems.push(format!("{}: key '{key}' is in no table", file.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
