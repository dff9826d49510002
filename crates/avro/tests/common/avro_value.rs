//! JSON event -> `apache_avro::types::Value`, following the same mapping as
//! the codec: the generic path the codec is checked and measured against.

use std::collections::HashMap;

use apache_avro::Schema;
use apache_avro::schema::NamesRef;
use apache_avro::types::Value as AvroValue;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Builds the apache-avro value for `json` under `schema`; `names` resolves
/// references to named types defined earlier in the schema.
pub fn to_avro_value(
    json: &Value,
    schema: &Schema,
    names: &NamesRef<'_>,
) -> Result<AvroValue, String> {
    let value = match (schema, json) {
        (Schema::Ref { name }, _) => {
            let target = names
                .get(name)
                .ok_or_else(|| format!("unknown name {name}"))?;
            return to_avro_value(json, target, names);
        }
        (Schema::Null, Value::Null) => AvroValue::Null,
        (Schema::Boolean, Value::Bool(b)) => AvroValue::Boolean(*b),
        (Schema::Long, Value::Number(n)) => AvroValue::Long(n.as_i64().ok_or("not a long")?),
        (Schema::Double, Value::Number(n)) => AvroValue::Double(n.as_f64().ok_or("not a double")?),
        (Schema::String, Value::String(s)) => AvroValue::String(s.clone()),
        (Schema::Uuid, Value::String(s)) => {
            AvroValue::Uuid(apache_avro::Uuid::parse_str(s).map_err(|e| e.to_string())?)
        }
        (Schema::TimestampMicros, Value::String(s)) => {
            let at = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| e.to_string())?;
            let micros = at.unix_timestamp_nanos() / 1_000;
            AvroValue::TimestampMicros(i64::try_from(micros).map_err(|e| e.to_string())?)
        }
        (Schema::Enum(schema), Value::String(s)) => {
            let index = schema
                .symbols
                .iter()
                .position(|sym| sym == s)
                .ok_or("unknown symbol")?;
            AvroValue::Enum(u32::try_from(index).map_err(|e| e.to_string())?, s.clone())
        }
        (Schema::Array(schema), Value::Array(items)) => AvroValue::Array(
            items
                .iter()
                .map(|item| to_avro_value(item, &schema.items, names))
                .collect::<Result<_, _>>()?,
        ),
        (Schema::Map(schema), Value::Object(entries)) => AvroValue::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_avro_value(v, &schema.types, names)?)))
                .collect::<Result<HashMap<_, _>, String>>()?,
        ),
        (Schema::Union(union), _) => {
            let variants = union.variants();
            let wanted_null = json.is_null();
            let index = variants
                .iter()
                .position(|v| matches!(v, Schema::Null) == wanted_null)
                .ok_or("no union branch")?;
            let inner = to_avro_value(json, &variants[index], names)?;
            AvroValue::Union(
                u32::try_from(index).map_err(|e| e.to_string())?,
                Box::new(inner),
            )
        }
        (Schema::Record(schema), Value::Object(members)) => AvroValue::Record(
            schema
                .fields
                .iter()
                .map(|field| {
                    let member = members.get(&field.name).unwrap_or(&Value::Null);
                    Ok((
                        field.name.clone(),
                        to_avro_value(member, &field.schema, names)?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
        (schema, json) => return Err(format!("{json} does not fit {schema:?}")),
    };

    Ok(value)
}
