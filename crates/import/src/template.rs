//! The import template (模板): sheet 交易清单 with the line fields, a frozen and protected
//! header row over unlocked data cells, data validation on every column with a rule, an
//! example row, a 说明 sheet with every field's rule in Chinese and English, and a hidden
//! cell with the template version.

use crate::columns::{COLUMNS, TEMPLATE_MARKER, TEMPLATE_VERSION};
use crate::ImportError;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder,
    ProtectionOptions, Workbook,
};
use std::path::Path;

/// The template's example row, in column order; the importer skips a row equal to it.
pub const EXAMPLE: [&str; 9] = [
    "",
    "张三",
    "13800138000",
    "2026-03",
    "袜子",
    "100",
    "2",
    "1000.00",
    "示例行：导入时自动跳过",
];

pub const SHEET: &str = "交易清单";
pub const HELP_SHEET: &str = "说明";

/// Last row the validations cover (Excel's limit).
const LAST_ROW: u32 = 1_048_575;
/// The hidden column holding the template version (Z).
const VERSION_COLUMN: u16 = 25;

fn write_err(path: &Path, e: rust_xlsxwriter::XlsxError) -> ImportError {
    ImportError::Write {
        path: path.into(),
        detail: e.to_string(),
    }
}

pub fn write(path: &Path) -> Result<(), ImportError> {
    let e = |err| write_err(path, err);
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F5))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let required_header = header.clone().set_font_color(Color::RGB(0xB00020));
    let unlocked_text = Format::new().set_unlocked().set_num_format("@");
    let unlocked = Format::new().set_unlocked();
    let unlocked_money = Format::new().set_unlocked().set_num_format("0.00");
    let example = Format::new()
        .set_unlocked()
        .set_font_color(Color::RGB(0x808080))
        .set_italic();

    let sheet = book.add_worksheet();
    sheet.set_name(SHEET).map_err(e)?;
    for (col, c) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        let title = if c.required {
            format!("*{}", c.header)
        } else {
            c.header.to_string()
        };
        sheet
            .write_string_with_format(
                0,
                col,
                &title,
                if c.required {
                    &required_header
                } else {
                    &header
                },
            )
            .map_err(e)?;
        // Text columns stay text so Excel never turns 2026-03 into a date or a mobile into 1.38E+10.
        let format = match c.field {
            "quantity" | "packages" => &unlocked,
            "amount" => &unlocked_money,
            _ => &unlocked_text,
        };
        sheet.set_column_format(col, format).map_err(e)?;
        sheet
            .set_column_width(
                col,
                if matches!(c.field, "product_name" | "note") {
                    22
                } else {
                    14
                },
            )
            .map_err(e)?;
        let validation = match c.field {
            "quantity" | "packages" => {
                DataValidation::new().allow_whole_number(DataValidationRule::GreaterThan(0))
            }
            "amount" => DataValidation::new()
                .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.01)),
            "mobile" => DataValidation::new().allow_text_length(DataValidationRule::EqualTo(11)),
            "order_month" => {
                DataValidation::new().allow_text_length(DataValidationRule::EqualTo(7))
            }
            "merchant_name" => {
                DataValidation::new().allow_text_length(DataValidationRule::Between(1, 50))
            }
            "product_name" => {
                DataValidation::new().allow_text_length(DataValidationRule::Between(1, 100))
            }
            "procurement_no" => {
                DataValidation::new().allow_text_length(DataValidationRule::LessThanOrEqualTo(30))
            }
            "note" => {
                DataValidation::new().allow_text_length(DataValidationRule::LessThanOrEqualTo(200))
            }
            _ => continue,
        };
        let validation = validation
            .set_input_title(c.header)
            .map_err(e)?
            .set_input_message(c.rule_zh)
            .map_err(e)?
            .set_error_title(c.header)
            .map_err(e)?
            .set_error_message(c.rule_zh)
            .map_err(e)?;
        sheet
            .add_data_validation(1, col, LAST_ROW, col, &validation)
            .map_err(e)?;
    }
    for (col, value) in EXAMPLE.iter().enumerate() {
        sheet
            .write_string_with_format(1, col as u16, *value, &example)
            .map_err(e)?;
    }
    sheet
        .write_string(
            0,
            VERSION_COLUMN,
            format!("{TEMPLATE_MARKER}{TEMPLATE_VERSION}"),
        )
        .map_err(e)?;
    sheet.set_column_hidden(VERSION_COLUMN).map_err(e)?;
    sheet.set_freeze_panes(1, 0).map_err(e)?;
    sheet.protect_with_options(&ProtectionOptions {
        insert_rows: true,
        delete_rows: true,
        format_columns: true,
        format_cells: true,
        sort: true,
        use_autofilter: true,
        ..ProtectionOptions::default()
    });

    let help = book.add_worksheet();
    help.set_name(HELP_SHEET).map_err(e)?;
    for (col, title) in ["字段 Field", "必填 Required", "规则", "Rule"]
        .iter()
        .enumerate()
    {
        help.write_string_with_format(0, col as u16, *title, &header)
            .map_err(e)?;
    }
    for (row, c) in COLUMNS.iter().enumerate() {
        let row = row as u32 + 1;
        help.write_string(row, 0, c.header).map_err(e)?;
        help.write_string(row, 1, if c.required { "是 Yes" } else { "否 No" })
            .map_err(e)?;
        help.write_string(row, 2, c.rule_zh).map_err(e)?;
        help.write_string(row, 3, c.rule_en).map_err(e)?;
    }
    let notes = [
        "第一行为表头，请勿修改；从第三行起填写数据（第二行为示例，导入时跳过）。",
        "Row 1 is the header, keep it; fill in data from row 3 (row 2 is an example the import skips).",
        "金额单位为美元，最多两位小数；手机号、月份请保持文本格式。",
        "Amounts are in US dollars with at most two decimals; keep mobiles and months as text.",
    ];
    for (i, n) in notes.iter().enumerate() {
        help.write_string(COLUMNS.len() as u32 + 2 + i as u32, 0, *n)
            .map_err(e)?;
    }
    help.set_column_width(0, 16).map_err(e)?;
    help.set_column_width(2, 60).map_err(e)?;
    help.set_column_width(3, 70).map_err(e)?;
    book.save(path).map_err(e)?;
    Ok(())
}
