//! The command line as scripts and shells expect it: `--json` on every command, exit codes
//! by kind of failure (listed in `--help`), completions, a man page, the data directory
//! from the environment, columns that stay in line with Chinese names.

mod common;
use common::*;

use std::process::Command;
use xinbao_domain::OrderForm;
use xinbao_store::{orders, paths};

fn bare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .args(args)
        .env_remove(paths::DATA_DIR_ENV)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_exit_codes_and_the_environment() {
    let help = text(&bare(&["--help"]).stdout);
    for line in [
        "2  usage",
        "3  invalid input",
        "4  refused by the order's rules",
        "5  authentication",
        "6  network",
        "7  the platform refused",
        "[env: XINBAO_DATA_DIR=]",
        "--json",
    ] {
        assert!(help.contains(line), "{line}: {help}");
    }
}

#[test]
fn completions_for_four_shells_and_a_man_page() {
    for (shell, mark) in [
        ("bash", "_xinbao()"),
        ("zsh", "#compdef xinbao"),
        ("fish", "complete -c xinbao"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = bare(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(
            script.contains(mark),
            "{shell}: {}",
            &script[..200.min(script.len())]
        );
        assert!(
            script.contains("orders"),
            "{shell} completes the subcommands"
        );
    }
    let man = bare(&["man"]);
    assert!(man.status.success());
    let page = text(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH xinbao"),
        "{page}"
    );
    assert!(page.contains("Exit codes"), "the man page has them too");
    // A shell that is not one: a usage error, exit 2.
    assert_eq!(bare(&["completions", "cmd.exe"]).status.code(), Some(2));
}

#[test]
fn every_command_answers_in_json_and_fails_with_the_code_of_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The data directory from the environment, as clap declares it.
    let out = Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .args(["orders", "new", "--buyer-name", "张伟", "--json"])
        .env(paths::DATA_DIR_ENV, d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = id["id"].as_i64().unwrap().to_string();

    let template = d.join("模板.xlsx");
    let t: serde_json::Value = serde_json::from_slice(
        &xinbao(d, &["template", template.to_str().unwrap(), "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(t["path"], template.to_str().unwrap());
    let listed = d.join("orders.xlsx");
    let e: serde_json::Value = serde_json::from_slice(
        &xinbao(d, &["export", "orders", listed.to_str().unwrap(), "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(e["rows"], 1);

    // Refused by the order's rules (a draft without its buyer's passport cannot be
    // confirmed): exit 4, the code in JSON on stdout and on stderr.
    let out = xinbao(d, &["orders", "confirm", &id, "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["code"], "confirm.blocked");
    assert!(text(&out.stderr).contains("[confirm.blocked]"));
    // Invalid input: exit 3.
    let out = xinbao(d, &["orders", "edit", &id, "--total", "1.234", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // A file that is no spreadsheet: invalid input too.
    let junk = d.join("notes.xlsx");
    std::fs::write(&junk, [0u8, 1, 2, 3, 0, 0, 7]).unwrap();
    let out = xinbao(
        d,
        &["import", junk.to_str().unwrap(), "--order", &id, "--json"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // Not found: a plain failure.
    assert_eq!(xinbao(d, &["orders", "show", "999"]).status.code(), Some(1));
    // A closed choice is checked by clap: exit 2, naming the choices.
    let out = xinbao(d, &["orders", "list", "--state", "finished"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("draft, confirmed, declared"),
        "{}",
        text(&out.stderr)
    );
    // Not logged in: authentication.
    let out = xinbao(d, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

#[test]
fn the_list_keeps_its_columns_in_line_with_chinese_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_profile(dir.path());
    for buyer in [
        "Ivan Petrov",
        "张伟",
        "欧阳娜娜·阿卜杜拉·穆罕默德·伊本·哈立德",
    ] {
        let form = OrderForm {
            buyer_name: buyer.into(),
            total_amount: "1500".into(),
            ..Default::default()
        };
        orders::create_draft(&mut store, "test", &form).unwrap();
    }
    drop(store);
    let out = xinbao(dir.path(), &["orders", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let rows: Vec<&str> = listing.lines().take(4).collect();
    // The TOTAL column ends at the same terminal cell on every row.
    let end_of_total = |row: &str| {
        use unicode_width::UnicodeWidthStr;
        let cut = row
            .find("1,500.00")
            .or_else(|| row.find("TOTAL USD"))
            .unwrap_or_else(|| panic!("{row:?}"));
        let word = if row.contains("TOTAL USD") {
            "TOTAL USD"
        } else {
            "1,500.00"
        };
        row[..cut].width() + word.len()
    };
    let ends: Vec<usize> = rows.iter().map(|r| end_of_total(r)).collect();
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{ends:?}\n{listing}");
    assert!(
        listing.contains('…'),
        "a name too long for its column is cut: {listing}"
    );
}
