//! The OpenAPI file and the wire types agree: every schema of `api/openapi.yaml` has a Rust
//! type here, every example round-trips through it unchanged, and every `$ref` resolves.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use xinbao_wire::*;

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../api/openapi.yaml"
    ))
    .expect("api/openapi.yaml");
    serde_yaml::from_str(&text).expect("the OpenAPI file is valid YAML")
}

/// Drops nulls: a type may write an absent optional as null or leave it out.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str, example: &Value) {
    // Through text, as on the wire (raw payloads are read from text only).
    let typed: T = serde_json::from_str(&example.to_string())
        .unwrap_or_else(|e| panic!("example of {name} does not fit the Rust type: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        without_nulls(&back),
        without_nulls(example),
        "{name} changed in a round trip"
    );
}

#[test]
fn every_schema_example_round_trips_through_its_type() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (name, schema) in schemas {
        let Some(example) = schema.get("example") else {
            // Enums have no example object; check their values instead.
            let values = schema["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} has no example"));
            for v in values {
                let ok = match name.as_str() {
                    "LoginMethod" => serde_json::from_value::<LoginMethod>(v.clone()).is_ok(),
                    "RealnameStatus" => serde_json::from_value::<RealnameStatus>(v.clone()).is_ok(),
                    "Nationality" => serde_json::from_value::<Nationality>(v.clone()).is_ok(),
                    "SettlementEntityType" => {
                        serde_json::from_value::<SettlementEntityType>(v.clone()).is_ok()
                    }
                    "Verdict" => serde_json::from_value::<Verdict>(v.clone()).is_ok(),
                    "OrderOrigin" => serde_json::from_value::<OrderOrigin>(v.clone()).is_ok(),
                    "RemoteOrderState" => {
                        serde_json::from_value::<RemoteOrderState>(v.clone()).is_ok()
                    }
                    other => panic!("schema {other} has no Rust type in this test"),
                };
                assert!(ok, "{name}: value {v} has no Rust variant");
            }
            checked += 1;
            continue;
        };
        match name.as_str() {
            "ApiError" => round_trip::<ApiError>(name, example),
            "Meta" => round_trip::<Meta>(name, example),
            "AppRelease" => round_trip::<AppRelease>(name, example),
            "Captcha" => round_trip::<Captcha>(name, example),
            "RegistrationCheck" => round_trip::<RegistrationCheck>(name, example),
            "RegistrationTicket" => round_trip::<RegistrationTicket>(name, example),
            "Activation" => round_trip::<Activation>(name, example),
            "LoginRequest" => round_trip::<LoginRequest>(name, example),
            "Account" => round_trip::<Account>(name, example),
            "Session" => round_trip::<Session>(name, example),
            "PasswordChange" => round_trip::<PasswordChange>(name, example),
            "RealnameState" => round_trip::<RealnameState>(name, example),
            "Merchant" => round_trip::<Merchant>(name, example),
            "MerchantPage" => round_trip::<Page<Merchant>>(name, example),
            "MerchantOrder" => round_trip::<MerchantOrder>(name, example),
            "MerchantOrderPage" => round_trip::<Page<MerchantOrder>>(name, example),
            "SettlementAuthorization" => round_trip::<SettlementAuthorization>(name, example),
            "SettlementAuthorizationPage" => {
                round_trip::<Page<SettlementAuthorization>>(name, example)
            }
            "SmsCodeRequest" => round_trip::<SmsCodeRequest>(name, example),
            "SmsCodeSent" => round_trip::<SmsCodeSent>(name, example),
            "SettlementBindingRequest" => round_trip::<SettlementBindingRequest>(name, example),
            "SettlementBinding" => round_trip::<SettlementBinding>(name, example),
            "LinePayload" => round_trip::<LinePayload>(name, example),
            "OrderConfirmPayload" => round_trip::<OrderConfirmPayload>(name, example),
            "LineUpsertPayload" => round_trip::<LineUpsertPayload>(name, example),
            "LineDeletePayload" => round_trip::<LineDeletePayload>(name, example),
            "LinkPayload" => round_trip::<LinkPayload>(name, example),
            "OrderDeclarePayload" => round_trip::<OrderDeclarePayload>(name, example),
            "PushOperation" => {
                round_trip::<PushOperation>(name, example);
                let op: PushOperation = serde_json::from_str(&example.to_string()).unwrap();
                Operation::decode(&op.kind, &op.payload)
                    .expect("the example's payload fits its kind");
            }
            "PushBatch" => {
                round_trip::<PushBatch>(name, example);
                let batch: PushBatch = serde_json::from_str(&example.to_string()).unwrap();
                for op in &batch.operations {
                    Operation::decode(&op.kind, &op.payload).expect("each payload fits its kind");
                }
            }
            "OperationResult" => round_trip::<OperationResult>(name, example),
            "PushResult" => round_trip::<PushResult>(name, example),
            "OrderChange" => round_trip::<OrderChange>(name, example),
            "OrderChangePage" => round_trip::<Page<OrderChange>>(name, example),
            "OrderRestore" => round_trip::<OrderRestore>(name, example),
            "SyncStatus" => round_trip::<SyncStatus>(name, example),
            "PushChunk" => round_trip::<PushChunk>(name, example),
            "BookLine" => round_trip::<BookLine>(name, example),
            "BookOrder" => round_trip::<BookOrder>(name, example),
            "BookOrderPage" => round_trip::<Page<BookOrder>>(name, example),
            "BookLinePage" => round_trip::<Page<BookLine>>(name, example),
            other => panic!("schema {other} has no Rust type in this test"),
        }
        checked += 1;
    }
    assert_eq!(checked, schemas.len());
    assert!(checked >= 39, "only {checked} schemas");
}

#[test]
fn the_required_lists_match_what_the_types_demand() {
    // A required field missing from an example must make the type refuse it: drop each
    // required field of each object example in turn.
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut refused = 0;
    for name in [
        "LoginRequest",
        "Activation",
        "RegistrationCheck",
        "PushBatch",
        "PushOperation",
        "OrderDeclarePayload",
        "SettlementBindingRequest",
        "PasswordChange",
    ] {
        let schema = &schemas[name];
        for field in schema["required"].as_array().unwrap() {
            let mut example = schema["example"].clone();
            example
                .as_object_mut()
                .unwrap()
                .remove(field.as_str().unwrap());
            let fits = match name {
                "LoginRequest" => serde_json::from_value::<LoginRequest>(example).is_ok(),
                "Activation" => serde_json::from_value::<Activation>(example).is_ok(),
                "RegistrationCheck" => serde_json::from_value::<RegistrationCheck>(example).is_ok(),
                "PushBatch" => serde_json::from_value::<PushBatch>(example).is_ok(),
                "PushOperation" => serde_json::from_value::<PushOperation>(example).is_ok(),
                "OrderDeclarePayload" => {
                    serde_json::from_value::<OrderDeclarePayload>(example).is_ok()
                }
                "SettlementBindingRequest" => {
                    serde_json::from_value::<SettlementBindingRequest>(example).is_ok()
                }
                _ => serde_json::from_value::<PasswordChange>(example).is_ok(),
            };
            assert!(!fits, "{name} without required `{field}` was accepted");
            refused += 1;
        }
    }
    assert!(refused > 30);
}

#[test]
fn every_reference_resolves_and_every_path_is_versioned() {
    let spec = spec();
    let text = serde_json::to_string(&spec).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let params = spec["components"]["parameters"].as_object().unwrap();
    for piece in text.split("\"$ref\":\"").skip(1) {
        let target = &piece[..piece.find('"').unwrap()];
        if let Some(s) = target.strip_prefix("#/components/schemas/") {
            assert!(schemas.contains_key(s), "dangling $ref {target}");
        } else if let Some(p) = target.strip_prefix("#/components/parameters/") {
            assert!(params.contains_key(p), "dangling $ref {target}");
        } else if let Some(r) = target.strip_prefix("#/components/responses/") {
            assert!(
                spec["components"]["responses"].get(r).is_some(),
                "dangling $ref {target}"
            );
        } else {
            panic!("unexpected $ref {target}");
        }
    }
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["version"], CONTRACT_VERSION);
    assert!(spec["servers"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with(API_BASE));
    let kinds: Vec<&str> = spec["components"]["schemas"]["PushOperation"]["properties"]["kind"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(kinds, kind::ALL);
}
