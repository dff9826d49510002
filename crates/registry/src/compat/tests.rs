//! The compatibility table: cases written from the resolution rules of
//! Avro's specification and from JSON Schema's content models, each run at
//! the level it names.

use super::*;
use crate::schema::SchemaType;

use CompatibilityLevel::*;

fn avro(text: &str) -> Schema {
    match Schema::parse(SchemaType::Avro, text) {
        Ok(schema) => schema,
        Err(e) => panic!("test schema {text} does not parse: {e}"),
    }
}

fn json(text: &str) -> Schema {
    match Schema::parse(SchemaType::Json, text) {
        Ok(schema) => schema,
        Err(e) => panic!("test schema {text} does not parse: {e}"),
    }
}

/// A record `R` with the given fields, written as JSON.
fn record(fields: &str) -> String {
    format!(r#"{{"type":"record","name":"R","namespace":"t","fields":[{fields}]}}"#)
}

fn field(name: &str, ty: &str) -> String {
    format!(r#"{{"name":"{name}","type":{ty}}}"#)
}

fn field_default(name: &str, ty: &str, default: &str) -> String {
    format!(r#"{{"name":"{name}","type":{ty},"default":{default}}}"#)
}

fn enumeration(symbols: &[&str], default: Option<&str>) -> String {
    let symbols: Vec<String> = symbols.iter().map(|s| format!("\"{s}\"")).collect();
    let default = default
        .map(|d| format!(r#","default":"{d}""#))
        .unwrap_or_default();
    format!(
        r#"{{"type":"enum","name":"E","symbols":[{}]{default}}}"#,
        symbols.join(",")
    )
}

struct Case {
    name: &'static str,
    level: CompatibilityLevel,
    /// Earlier versions, oldest first.
    previous: Vec<String>,
    new: String,
    compatible: bool,
}

fn case(
    name: &'static str,
    level: CompatibilityLevel,
    previous: Vec<String>,
    new: String,
    compatible: bool,
) -> Case {
    Case {
        name,
        level,
        previous,
        new,
        compatible,
    }
}

fn avro_cases() -> Vec<Case> {
    let int_x = record(&field("x", r#""int""#));
    let long_x = record(&field("x", r#""long""#));
    let string_x = record(&field("x", r#""string""#));
    let bytes_x = record(&field("x", r#""bytes""#));
    let a = field("a", r#""string""#);
    let only_a = record(&a);
    let a_b_no_default = record(&format!("{a},{}", field("b", r#""int""#)));
    let a_b_default = record(&format!("{a},{}", field_default("b", r#""int""#, "0")));
    let e_ab = record(&field("e", &enumeration(&["A", "B"], Option::None)));
    let e_abc = record(&field("e", &enumeration(&["A", "B", "C"], Option::None)));
    let e_ab_default = record(&field("e", &enumeration(&["A", "B"], Some("A"))));
    let null_or_string = record(&field_default("x", r#"["null","string"]"#, "null"));
    let null_string_int = record(&field_default("x", r#"["null","string","int"]"#, "null"));
    let plain_string = record(&field("x", r#""string""#));
    let fixed4 = record(&field("f", r#"{"type":"fixed","name":"F","size":4}"#));
    let fixed8 = record(&field("f", r#"{"type":"fixed","name":"F","size":8}"#));
    let arr_int = record(&field("l", r#"{"type":"array","items":"int"}"#));
    let arr_long = record(&field("l", r#"{"type":"array","items":"long"}"#));
    let map_int = record(&field("m", r#"{"type":"map","values":"int"}"#));
    let map_string = record(&field("m", r#"{"type":"map","values":"string"}"#));
    let renamed =
        r#"{"type":"record","name":"S","namespace":"t","fields":[{"name":"a","type":"string"}]}"#
            .to_owned();
    let renamed_alias = concat!(
        r#"{"type":"record","name":"S","namespace":"t","aliases":["R"],"#,
        r#""fields":[{"name":"a","type":"string"}]}"#
    )
    .to_owned();
    let field_renamed_alias = record(r#"{"name":"z","aliases":["a"],"type":"string"}"#);
    let date_x = record(&field("x", r#"{"type":"int","logicalType":"date"}"#));
    let linked = concat!(
        r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},"#,
        r#"{"name":"next","type":["null","Node"],"default":null}]}"#
    )
    .to_owned();
    let linked_long = concat!(
        r#"{"type":"record","name":"Node","fields":[{"name":"v","type":"long"},"#,
        r#"{"name":"next","type":["null","Node"],"default":null}]}"#
    )
    .to_owned();

    vec![
        // Promotions are one-way: the reader may widen, never narrow.
        case(
            "int promotes to long",
            Backward,
            vec![int_x.clone()],
            long_x.clone(),
            true,
        ),
        case(
            "long does not narrow to int",
            Backward,
            vec![long_x.clone()],
            int_x.clone(),
            false,
        ),
        case(
            "int to long is not forward",
            Forward,
            vec![int_x.clone()],
            long_x.clone(),
            false,
        ),
        case(
            "long to int is forward",
            Forward,
            vec![long_x.clone()],
            int_x.clone(),
            true,
        ),
        case(
            "int to long is not full",
            Full,
            vec![int_x.clone()],
            long_x.clone(),
            false,
        ),
        case(
            "string reads bytes",
            Full,
            vec![bytes_x.clone()],
            string_x.clone(),
            true,
        ),
        case(
            "int does not read string",
            Backward,
            vec![string_x.clone()],
            int_x.clone(),
            false,
        ),
        case(
            "float promotes to double",
            Backward,
            vec![record(&field("x", r#""float""#))],
            record(&field("x", r#""double""#)),
            true,
        ),
        case(
            "long promotes to float",
            Backward,
            vec![long_x.clone()],
            record(&field("x", r#""float""#)),
            true,
        ),
        case(
            "double does not narrow to float",
            Backward,
            vec![record(&field("x", r#""double""#))],
            record(&field("x", r#""float""#)),
            false,
        ),
        // Fields.
        case(
            "added field with default",
            Backward,
            vec![only_a.clone()],
            a_b_default.clone(),
            true,
        ),
        case(
            "added field without default",
            Backward,
            vec![only_a.clone()],
            a_b_no_default.clone(),
            false,
        ),
        case(
            "added field is forward either way",
            Forward,
            vec![only_a.clone()],
            a_b_no_default.clone(),
            true,
        ),
        case(
            "removed field without default",
            Forward,
            vec![a_b_no_default.clone()],
            only_a.clone(),
            false,
        ),
        case(
            "removed field with default",
            Forward,
            vec![a_b_default.clone()],
            only_a.clone(),
            true,
        ),
        case(
            "removed field is backward",
            Backward,
            vec![a_b_no_default.clone()],
            only_a.clone(),
            true,
        ),
        case(
            "add with default is full",
            Full,
            vec![only_a.clone()],
            a_b_default.clone(),
            true,
        ),
        case(
            "add without default is not full",
            Full,
            vec![only_a.clone()],
            a_b_no_default.clone(),
            false,
        ),
        case(
            "field matched by alias",
            Backward,
            vec![only_a.clone()],
            field_renamed_alias.clone(),
            true,
        ),
        // Enums.
        case(
            "enum symbol added",
            Backward,
            vec![e_ab.clone()],
            e_abc.clone(),
            true,
        ),
        case(
            "enum symbol removed",
            Backward,
            vec![e_abc.clone()],
            e_ab.clone(),
            false,
        ),
        case(
            "enum symbol removed, reader default",
            Backward,
            vec![e_abc.clone()],
            e_ab_default.clone(),
            true,
        ),
        case(
            "enum symbol added is not forward",
            Forward,
            vec![e_ab.clone()],
            e_abc.clone(),
            false,
        ),
        // Unions.
        case(
            "union widened",
            Backward,
            vec![null_or_string.clone()],
            null_string_int.clone(),
            true,
        ),
        case(
            "union narrowed",
            Backward,
            vec![null_string_int.clone()],
            null_or_string.clone(),
            false,
        ),
        case(
            "plain to union holding it",
            Backward,
            vec![plain_string.clone()],
            null_or_string.clone(),
            true,
        ),
        case(
            "union to plain branch",
            Backward,
            vec![null_or_string.clone()],
            plain_string.clone(),
            false,
        ),
        case(
            "union to plain branch is forward",
            Forward,
            vec![null_or_string.clone()],
            plain_string.clone(),
            true,
        ),
        // Named types.
        case(
            "fixed size changed",
            Backward,
            vec![fixed4.clone()],
            fixed8.clone(),
            false,
        ),
        case(
            "fixed size kept",
            Full,
            vec![fixed4.clone()],
            fixed4.clone(),
            true,
        ),
        case(
            "record renamed",
            Backward,
            vec![only_a.clone()],
            renamed.clone(),
            false,
        ),
        case(
            "record renamed with alias",
            Backward,
            vec![only_a.clone()],
            renamed_alias.clone(),
            true,
        ),
        // Containers.
        case(
            "array items promoted",
            Backward,
            vec![arr_int.clone()],
            arr_long.clone(),
            true,
        ),
        case(
            "array items narrowed",
            Backward,
            vec![arr_long.clone()],
            arr_int.clone(),
            false,
        ),
        case(
            "map values changed",
            Backward,
            vec![map_int.clone()],
            map_string.clone(),
            false,
        ),
        // Logical types are ignored; recursion terminates.
        case(
            "logical type added",
            Full,
            vec![int_x.clone()],
            date_x.clone(),
            true,
        ),
        case(
            "recursive record promoted",
            Backward,
            vec![linked.clone()],
            linked_long.clone(),
            true,
        ),
        case(
            "recursive record narrowed",
            Backward,
            vec![linked_long.clone()],
            linked.clone(),
            false,
        ),
        // Transitive levels look past the latest version.
        case(
            "backward only checks latest",
            Backward,
            vec![a_b_no_default.clone(), only_a.clone()],
            record(&format!("{a},{}", field("b", r#""string""#))),
            false,
        ),
        case(
            "backward vs latest only",
            Backward,
            vec![string_x.clone(), long_x.clone()],
            record(&field("x", r#""double""#)),
            true,
        ),
        case(
            "backward transitive sees oldest",
            BackwardTransitive,
            vec![string_x.clone(), long_x.clone()],
            record(&field("x", r#""double""#)),
            false,
        ),
        case(
            "forward transitive sees oldest",
            ForwardTransitive,
            vec![a_b_no_default.clone(), only_a.clone()],
            only_a.clone(),
            false,
        ),
        case(
            "forward vs latest only",
            Forward,
            vec![a_b_no_default.clone(), only_a.clone()],
            only_a.clone(),
            true,
        ),
        case(
            "full transitive all good",
            FullTransitive,
            vec![only_a.clone(), a_b_default.clone()],
            a_b_default.clone(),
            true,
        ),
        case(
            "full transitive sees oldest",
            FullTransitive,
            vec![int_x.clone(), only_a.clone()],
            only_a.clone(),
            false,
        ),
        case(
            "none accepts anything",
            None,
            vec![string_x.clone()],
            int_x.clone(),
            true,
        ),
        case(
            "first version is always fine",
            FullTransitive,
            vec![],
            int_x.clone(),
            true,
        ),
    ]
}

fn json_cases() -> Vec<Case> {
    let open_a = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#.to_owned();
    let open_ab =
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#
            .to_owned();
    let closed_a =
        r#"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}"#
            .to_owned();
    let closed_ab = concat!(
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"#,
        r#""additionalProperties":false}"#
    )
    .to_owned();
    let closed_a_required = concat!(
        r#"{"type":"object","properties":{"a":{"type":"string"}},"#,
        r#""required":["a"],"additionalProperties":false}"#
    )
    .to_owned();
    let a_number =
        r#"{"type":"object","properties":{"a":{"type":"number"}},"additionalProperties":false}"#
            .to_owned();
    let a_integer =
        r#"{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}"#
            .to_owned();

    vec![
        case(
            "json: property added to closed model",
            Backward,
            vec![closed_a.clone()],
            closed_ab.clone(),
            true,
        ),
        case(
            "json: property added to open model",
            Backward,
            vec![open_a.clone()],
            open_ab.clone(),
            false,
        ),
        case(
            "json: property removed from closed model",
            Backward,
            vec![closed_ab.clone()],
            closed_a.clone(),
            false,
        ),
        case(
            "json: property removed from open model",
            Backward,
            vec![open_ab.clone()],
            open_a.clone(),
            true,
        ),
        case(
            "json: closing the model",
            Backward,
            vec![open_a.clone()],
            closed_a.clone(),
            false,
        ),
        case(
            "json: opening the model",
            Backward,
            vec![closed_a.clone()],
            open_a.clone(),
            true,
        ),
        case(
            "json: required added",
            Backward,
            vec![closed_a.clone()],
            closed_a_required.clone(),
            false,
        ),
        case(
            "json: required removed",
            Backward,
            vec![closed_a_required.clone()],
            closed_a.clone(),
            true,
        ),
        case(
            "json: required added is forward",
            Forward,
            vec![closed_a.clone()],
            closed_a_required.clone(),
            true,
        ),
        case(
            "json: integer widened to number",
            Backward,
            vec![a_integer.clone()],
            a_number.clone(),
            true,
        ),
        case(
            "json: number narrowed to integer",
            Backward,
            vec![a_number.clone()],
            a_integer.clone(),
            false,
        ),
        case(
            "json: type change is not full",
            Full,
            vec![a_integer.clone()],
            a_number.clone(),
            false,
        ),
        case(
            "json: transitive",
            BackwardTransitive,
            vec![closed_ab.clone(), closed_a.clone()],
            closed_a.clone(),
            false,
        ),
    ]
}

fn run(cases: Vec<Case>, parse: fn(&str) -> Schema) {
    let mut failures = Vec::new();

    for case in cases {
        let previous: Vec<Schema> = case.previous.iter().map(|s| parse(s)).collect();
        let reasons = check(case.level, &parse(&case.new), &previous);

        if reasons.is_empty() != case.compatible {
            failures.push(format!(
                "{} at {}: expected {}, got reasons {reasons:?}",
                case.name,
                case.level,
                if case.compatible {
                    "compatible"
                } else {
                    "incompatible"
                }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn avro_resolution_rules_at_every_level() {
    run(avro_cases(), avro);
}

#[test]
fn json_schema_rules_at_every_level() {
    run(json_cases(), json);
}

#[test]
fn every_level_is_covered() {
    let levels: Vec<CompatibilityLevel> = avro_cases().iter().map(|c| c.level).collect();
    for level in [
        None,
        Backward,
        BackwardTransitive,
        Forward,
        ForwardTransitive,
        Full,
        FullTransitive,
    ] {
        assert!(levels.contains(&level), "no case at {level}");
    }
}

#[test]
fn reasons_name_the_field() {
    let old = avro(&record(&field("a", r#""string""#)));
    let new = avro(&record(&format!(
        "{},{}",
        field("a", r#""string""#),
        field("b", r#""int""#)
    )));

    let reasons = check(Backward, &new, &[old]);

    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("'b'") && reasons[0].contains("no default"),
        "{reasons:?}"
    );
}

#[test]
fn levels_parse_case_insensitively_and_refuse_unknown_names() {
    assert_eq!(
        "full_transitive".parse::<CompatibilityLevel>().ok(),
        Some(FullTransitive)
    );
    assert_eq!(
        "SIDEWAYS"
            .parse::<CompatibilityLevel>()
            .map_err(|e| e.error_code())
            .err(),
        Some(42203)
    );
}
