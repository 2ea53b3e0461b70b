//! `orders new` and `orders edit`: the editor's form filled in from the command line.
//!
//! The form is the window's own [`OrderForm`], every field text as typed; the store parses
//! and validates it exactly as it does the window's 暂存 and save, so the same field errors,
//! freeze rules, audit rows and outbox rows apply.

use xinbao_domain::order::LINE_FIELDS;
use xinbao_domain::{Cents, LineForm, OrderForm};
use xinbao_store::orders::OrderDetail;

/// The fields of one `--line`/`--add-line`/`--set-line` value, in the order given: indexes
/// into [`LINE_FIELDS`] with the text to put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSpec(Vec<(usize, String)>);

/// Reads `FIELD=VALUE,FIELD=VALUE,...` (field names as in [`LineForm`]).
///
/// A comma separates two fields only when `NAME=` follows it, so `amount=1,500.00` is one
/// amount; `\,` is always a comma of the value. An empty VALUE clears the field.
pub fn parse_line_spec(s: &str) -> Result<LineSpec, String> {
    if s.trim().is_empty() {
        return Err(format!(
            "a line needs at least one FIELD=VALUE (fields: {})",
            LINE_FIELDS.join(", ")
        ));
    }
    let mut pairs: Vec<(usize, String)> = Vec::new();
    for part in split_pairs(s) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!(
                "'{part}' is not FIELD=VALUE (fields: {})",
                LINE_FIELDS.join(", ")
            ));
        };
        let name = name.trim();
        let Some(field) = LINE_FIELDS.iter().position(|f| *f == name) else {
            return Err(format!(
                "'{name}' is not a line field (fields: {}; write \\, for a comma inside a value)",
                LINE_FIELDS.join(", ")
            ));
        };
        if pairs.iter().any(|(f, _)| *f == field) {
            return Err(format!("line field '{name}' is given twice"));
        }
        pairs.push((field, value.to_string()));
    }
    Ok(LineSpec(pairs))
}

/// The `FIELD=VALUE` parts of a line spec, `\,` unescaped.
fn split_pairs(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\\' if rest.starts_with(',') => {
                current.push(',');
                rest = &rest[1..];
            }
            ',' if starts_with_name(rest) => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// Whether `s` starts with `NAME=` (a word of ASCII letters, digits and `_`, spaces around it
/// allowed): the start of the next field rather than more of a value.
fn starts_with_name(s: &str) -> bool {
    match s.split_once('=') {
        Some((name, _)) => {
            let name = name.trim();
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        None => false,
    }
}

/// A line position as a clerk counts lines: 1 is the first.
pub fn parse_position(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "'{s}' is not a line position (1 is the first line)"
        )),
    }
}

/// `--set-line POSITION FIELDS` pairs as clap collects them (two values an occurrence).
pub fn parse_set_lines(raw: &[String]) -> Result<Vec<(usize, LineSpec)>, String> {
    raw.chunks(2)
        .map(|pair| match pair {
            [position, spec] => Ok((
                parse_position(position)?,
                parse_line_spec(spec).map_err(|e| format!("line {position}: {e}"))?,
            )),
            _ => Err("--set-line takes a POSITION and FIELD=VALUE,...".into()),
        })
        .collect()
}

impl LineSpec {
    /// Puts the spec's values into `line`; the fields it does not name keep theirs.
    pub fn apply(&self, line: &mut LineForm) {
        for (field, value) in &self.0 {
            *field_mut(line, *field) = value.clone();
        }
    }

    /// A new line with the spec's values (the other fields empty).
    pub fn to_line(&self) -> LineForm {
        let mut line = LineForm::default();
        self.apply(&mut line);
        line
    }
}

fn field_mut(line: &mut LineForm, field: usize) -> &mut String {
    match LINE_FIELDS[field] {
        "procurement_no" => &mut line.procurement_no,
        "merchant_name" => &mut line.merchant_name,
        "mobile" => &mut line.mobile,
        "order_month" => &mut line.order_month,
        "product_name" => &mut line.product_name,
        "quantity" => &mut line.quantity,
        "packages" => &mut line.packages,
        "amount" => &mut line.amount,
        "note" => &mut line.note,
        other => unreachable!("LINE_FIELDS has no '{other}'"),
    }
}

/// The buyer fields given on the command line; `None` leaves the field as it is.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BuyerArgs {
    /// Buyer name (买方名称).
    #[arg(long, value_name = "TEXT")]
    pub buyer_name: Option<String>,
    /// Buyer passport number (护照号).
    #[arg(long, value_name = "NUMBER")]
    pub passport: Option<String>,
    /// Destination country: ISO 3166 code (NG, NGA) or its Chinese or English name.
    #[arg(long, value_name = "COUNTRY")]
    pub country: Option<String>,
    /// The order's total amount in USD (总金额), e.g. 1500 or 1,500.00.
    #[arg(long, value_name = "USD")]
    pub total: Option<String>,
}

impl BuyerArgs {
    fn apply(&self, form: &mut OrderForm) {
        let set = |to: &mut String, from: &Option<String>| {
            if let Some(v) = from {
                *to = v.clone();
            }
        };
        set(&mut form.buyer_name, &self.buyer_name);
        set(&mut form.passport_no, &self.passport);
        set(&mut form.country, &self.country);
        set(&mut form.total_amount, &self.total);
    }
}

/// The form of a new order (`orders new`).
pub fn new_form(buyer: &BuyerArgs, lines: &[LineSpec]) -> OrderForm {
    let mut form = OrderForm::default();
    buyer.apply(&mut form);
    form.lines = lines.iter().map(LineSpec::to_line).collect();
    form
}

/// The stored order as the editor shows it before any change: normalised values as text,
/// every line with its id (so it is updated in place, never recreated).
pub fn form_of(order: &OrderDetail) -> OrderForm {
    OrderForm {
        buyer_name: order.buyer_name.clone().unwrap_or_default(),
        passport_no: order.passport_no.clone().unwrap_or_default(),
        country: order.country.clone().unwrap_or_default(),
        total_amount: order
            .total_cents
            .map(|c| Cents(c).plain())
            .unwrap_or_default(),
        lines: order
            .lines
            .iter()
            .map(|l| LineForm {
                id: Some(l.id),
                ..LineForm::from_fields(l.line.to_texts())
            })
            .collect(),
    }
}

/// What `orders edit` changes about the lines. Positions count the order's lines as stored
/// before the edit, from 1.
#[derive(Debug, Clone, Default)]
pub struct LineEdits {
    pub add: Vec<LineSpec>,
    pub set: Vec<(usize, LineSpec)>,
    pub remove: Vec<usize>,
}

/// A position past the order's last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoLineAt {
    pub position: usize,
    pub lines: usize,
}

impl LineEdits {
    /// A line both changed and removed is a contradiction, refused before anything is read.
    pub fn check(&self) -> Result<(), String> {
        match self.set.iter().find(|(p, _)| self.remove.contains(p)) {
            Some((p, _)) => Err(format!(
                "line {p} is both changed (--set-line) and removed (--remove-line)"
            )),
            None => Ok(()),
        }
    }

    /// Applies the buyer fields and the line edits to the stored order's form: changed
    /// lines keep their place and id, removed lines leave the form, added lines go last.
    pub fn apply(&self, buyer: &BuyerArgs, form: &mut OrderForm) -> Result<(), NoLineAt> {
        let count = form.lines.len();
        let in_range = |position: usize| {
            if (1..=count).contains(&position) {
                Ok(position - 1)
            } else {
                Err(NoLineAt {
                    position,
                    lines: count,
                })
            }
        };
        for (position, spec) in &self.set {
            let i = in_range(*position)?;
            spec.apply(&mut form.lines[i]);
        }
        let mut removed = vec![false; count];
        for position in &self.remove {
            removed[in_range(*position)?] = true;
        }
        buyer.apply(form);
        let mut i = 0;
        form.lines.retain(|_| {
            i += 1;
            !removed[i - 1]
        });
        form.lines.extend(self.add.iter().map(LineSpec::to_line));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(spec: &LineSpec) -> Vec<(&'static str, &str)> {
        spec.0
            .iter()
            .map(|(f, v)| (LINE_FIELDS[*f], v.as_str()))
            .collect()
    }

    #[test]
    fn a_spec_splits_at_commas_that_start_a_field() {
        let spec =
            parse_line_spec("merchant_name=张三,amount=1,500.00, quantity=1,000,note=a\\,b=c")
                .unwrap();
        assert_eq!(
            fields(&spec),
            [
                ("merchant_name", "张三"),
                ("amount", "1,500.00"),
                ("quantity", "1,000"),
                ("note", "a,b=c"),
            ]
        );
        assert_eq!(fields(&parse_line_spec("note=").unwrap()), [("note", "")]);
    }

    #[test]
    fn bad_specs_name_what_is_wrong() {
        let e = parse_line_spec("quantitty=5").unwrap_err();
        assert!(e.contains("'quantitty' is not a line field"), "{e}");
        let e = parse_line_spec("merchant_name=x,colour=red").unwrap_err();
        assert!(e.contains("'colour'"), "{e}");
        let e = parse_line_spec("quantity").unwrap_err();
        assert!(e.contains("'quantity' is not FIELD=VALUE"), "{e}");
        let e = parse_line_spec("quantity=1,quantity=2").unwrap_err();
        assert!(e.contains("given twice"), "{e}");
        assert!(parse_line_spec(" ").is_err());
        assert!(parse_position("0").is_err());
        assert!(parse_position("x").is_err());
        assert_eq!(parse_position("3"), Ok(3));
    }

    #[test]
    fn edits_keep_ids_and_count_from_one() {
        let line = |id, note: &str| LineForm {
            id: Some(id),
            note: note.into(),
            ..Default::default()
        };
        let mut form = OrderForm {
            lines: vec![line(10, "a"), line(11, "b"), line(12, "c")],
            ..Default::default()
        };
        let edits = LineEdits {
            add: vec![parse_line_spec("note=d").unwrap()],
            set: vec![(3, parse_line_spec("note=C").unwrap())],
            remove: vec![1],
        };
        edits.apply(&BuyerArgs::default(), &mut form).unwrap();
        let got: Vec<(Option<i64>, &str)> =
            form.lines.iter().map(|l| (l.id, l.note.as_str())).collect();
        assert_eq!(got, [(Some(11), "b"), (Some(12), "C"), (None, "d")]);
        let past = LineEdits {
            remove: vec![4],
            ..Default::default()
        };
        assert_eq!(
            past.apply(&BuyerArgs::default(), &mut form),
            Err(NoLineAt {
                position: 4,
                lines: 3
            })
        );
    }
}
