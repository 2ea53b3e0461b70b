//! Every allowed and forbidden transition of the order's life, and confirm's field-by-field
//! report.

use xinbao_domain::order::{
    confirm_problems, same_merchant, Action, LinkRef, MerchantOrderRef, OrderState,
};
use xinbao_domain::{Cents, Code, LineForm, OrderForm};

const ALL_ACTIONS: [Action; 6] = [
    Action::EditBuyer,
    Action::EditLines,
    Action::EditLinks,
    Action::Delete,
    Action::Confirm,
    Action::AttachCustoms,
];

#[test]
fn transition_table_is_exactly_the_documented_one() {
    use Action::*;
    use OrderState::*;
    let expect = |state, action| -> Result<OrderState, &'static str> {
        match (state, action) {
            (Draft, Confirm) => Ok(Confirmed),
            (Draft, EditBuyer | EditLines | EditLinks | Delete) => Ok(Draft),
            (Draft, AttachCustoms) => Err("order.customs_before_confirm"),
            (Confirmed, AttachCustoms) => Ok(Declared),
            (Confirmed, EditLines | EditLinks) => Ok(Confirmed),
            (Confirmed, EditBuyer) => Err("order.buyer_frozen"),
            (Confirmed, Delete) => Err("order.delete_confirmed"),
            (Confirmed, Confirm) => Err("order.already_confirmed"),
            (Declared, _) => Err("order.declared_frozen"),
        }
    };
    for state in [Draft, Confirmed, Declared] {
        for action in ALL_ACTIONS {
            let got = state.after(action).map_err(|e| e.code());
            assert_eq!(got, expect(state, action), "{state:?} + {action:?}");
        }
    }
}

#[test]
fn states_round_trip_through_their_names() {
    for s in [
        OrderState::Draft,
        OrderState::Confirmed,
        OrderState::Declared,
    ] {
        assert_eq!(OrderState::parse(s.as_str()), Some(s));
    }
    assert_eq!(OrderState::parse("Draft"), None);
}

fn line(merchant: &str, mobile: &str, amount: &str) -> LineForm {
    LineForm {
        merchant_name: merchant.into(),
        mobile: mobile.into(),
        order_month: "2026-03".into(),
        product_name: "袜子".into(),
        quantity: "100".into(),
        packages: "2".into(),
        amount: amount.into(),
        ..Default::default()
    }
}

fn complete_form() -> OrderForm {
    OrderForm {
        buyer_name: "Ivan Petrov".into(),
        passport_no: "E12345678".into(),
        country: "俄罗斯".into(),
        total_amount: "1,500.00".into(),
        lines: vec![
            line("张三", "13800138000", "1000"),
            line("李四", "13900139000", "500"),
        ],
    }
}

#[test]
fn form_parse_normalises_and_reports_every_bad_field() {
    let draft = complete_form().parse().unwrap();
    assert_eq!(draft.country.as_deref(), Some("RU"));
    assert_eq!(draft.total_cents, Some(Cents(150_000)));
    assert_eq!(draft.lines.len(), 2);

    let mut bad = complete_form();
    bad.passport_no = "E1".into();
    bad.lines[1].mobile = "12345".into();
    bad.lines[1].amount = "1.234".into();
    bad.lines.push(LineForm::default()); // a blank row is dropped, not an error
    let errors = bad.parse().unwrap_err();
    let got: Vec<(&str, Code)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        vec![
            ("passport_no", Code::PassportFormat),
            ("lines[1].mobile", Code::MobileFormat),
            ("lines[1].amount", Code::MoneyDecimals),
        ]
    );

    // A half-filled draft is fine to save.
    let partial = OrderForm {
        buyer_name: "Ivan".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!(partial.passport_no, None);
    assert!(partial.lines.is_empty());
}

#[test]
fn confirm_reports_each_missing_piece_by_field() {
    let empty = OrderForm::default().parse().unwrap();
    let got: Vec<(String, Code)> = confirm_problems(&empty, &[])
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("buyer_name".into(), Code::Required),
            ("passport_no".into(), Code::Required),
            ("country".into(), Code::Required),
            ("total_amount".into(), Code::Required),
            ("lines".into(), Code::ConfirmNoLines),
        ]
    );
}

#[test]
fn confirm_needs_links_of_the_same_merchant_and_an_exact_sum() {
    let mut form = complete_form();
    form.total_amount = "1,500.01".into();
    let draft = form.parse().unwrap();
    let zhang = MerchantOrderRef {
        id: "MO-1".into(),
        procurement_no: None,
        merchant_name: "张三".into(),
        mobile: "13800138000".into(),
    };
    let wang = MerchantOrderRef {
        id: "MO-9".into(),
        procurement_no: None,
        merchant_name: "王五".into(),
        mobile: "13700137000".into(),
    };
    assert!(same_merchant(&draft.lines[0], &zhang));
    assert!(!same_merchant(&draft.lines[1], &zhang));
    let links = vec![
        LinkRef {
            line: &draft.lines[0],
            merchant_orders: vec![&zhang],
        },
        LinkRef {
            line: &draft.lines[1],
            merchant_orders: vec![&wang],
        },
    ];
    let got: Vec<(String, Code)> = confirm_problems(&draft, &links)
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("lines[1].links".into(), Code::ConfirmLinkOtherMerchant),
            ("total_amount".into(), Code::ConfirmSumMismatch),
        ]
    );

    let ok = complete_form().parse().unwrap();
    let li = MerchantOrderRef {
        id: "MO-2".into(),
        procurement_no: None,
        merchant_name: "李四".into(),
        mobile: "13900139000".into(),
    };
    let links = vec![
        LinkRef {
            line: &ok.lines[0],
            merchant_orders: vec![&zhang],
        },
        LinkRef {
            line: &ok.lines[1],
            merchant_orders: vec![&li],
        },
    ];
    assert_eq!(confirm_problems(&ok, &links), vec![]);
    // Without the second link the second line is reported, and only it.
    let one = vec![LinkRef {
        line: &ok.lines[0],
        merchant_orders: vec![&zhang],
    }];
    let got: Vec<(String, Code)> = confirm_problems(&ok, &one)
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(
        got,
        vec![("lines[1].links".into(), Code::ConfirmLineUnlinked)]
    );
}
