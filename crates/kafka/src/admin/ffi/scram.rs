//! The SCRAM credential calls: AlterUserScramCredentials (upserts and
//! deletions) and DescribeUserScramCredentials.

use std::ffi::{c_char, c_int};
use std::ptr::{self, NonNull};
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};

use super::{Failure, array_at, c_string, item_error, run_admin_op, string_at};
use crate::admin::native::{self, ScramDescription};
use crate::config::ScramMechanism;

struct Alterations(Vec<NonNull<rd::rd_kafka_UserScramCredentialAlteration_t>>);

impl Drop for Alterations {
    fn drop(&mut self) {
        for alteration in &self.0 {
            // SAFETY: each pointer came from a *_new constructor and is owned
            // only by this guard (librdkafka copies the alterations it gets).
            unsafe { rd::rd_kafka_UserScramCredentialAlteration_destroy(alteration.as_ptr()) }
        }
    }
}

unsafe extern "C" {
    /// librdkafka's own getter, declared to return a plain integer rather
    /// than the generated enum: the mechanism byte from the broker is stored
    /// unchecked, and an unknown value must not become an invalid Rust enum.
    #[link_name = "rd_kafka_ScramCredentialInfo_mechanism"]
    fn scram_credential_info_mechanism(info: *const rd::rd_kafka_ScramCredentialInfo_t) -> c_int;
}

/// One change to a user's SCRAM credentials.
pub(in crate::admin) enum Alteration<'a> {
    Upsert {
        user: &'a str,
        mechanism: ScramMechanism,
        iterations: i32,
        password: &'a [u8],
        salt: &'a [u8],
    },
    Delete {
        user: &'a str,
        mechanism: ScramMechanism,
    },
}

/// Applies SCRAM alterations; returns each user's outcome.
pub(in crate::admin) fn alter_scram<C: ClientContext>(
    client: &Client<C>,
    alterations: &[Alteration<'_>],
    timeout: Duration,
) -> Result<Vec<(String, Option<Failure>)>, Failure> {
    let natives = new_alterations(alterations)?;
    let mut ptrs: Vec<_> = natives.0.iter().map(|a| a.as_ptr()).collect();

    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERUSERSCRAMCREDENTIALS,
        rd::RD_KAFKA_EVENT_ALTERUSERSCRAMCREDENTIALS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: `ptrs` holds live alterations owned by `natives`, which
            // librdkafka copies. Options and queue are live.
            unsafe {
                rd::rd_kafka_AlterUserScramCredentials(
                    rk,
                    ptrs.as_mut_ptr(),
                    ptrs.len(),
                    options,
                    queue,
                )
            }
        },
    )?;

    let mut count = 0;
    // SAFETY: the event is an AlterUserScramCredentials result (type checked);
    // responses, names and errors live as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_AlterUserScramCredentials_result(event.ptr());
        let responses = array_at(
            rd::rd_kafka_AlterUserScramCredentials_result_responses(result, &mut count),
            count,
        );
        Ok(responses
            .iter()
            .map(|&response| {
                let user = string_at(rd::rd_kafka_AlterUserScramCredentials_result_response_user(
                    response,
                ));
                let error = item_error(
                    rd::rd_kafka_AlterUserScramCredentials_result_response_error(response),
                );
                (user, error)
            })
            .collect())
    }
}

fn new_alterations(alterations: &[Alteration<'_>]) -> Result<Alterations, Failure> {
    let mut out = Alterations(Vec::with_capacity(alterations.len()));

    for alteration in alterations {
        let native_alteration = match alteration {
            Alteration::Upsert {
                user,
                mechanism,
                iterations,
                password,
                salt,
            } => {
                let user = c_string("user name", user)?;
                // SAFETY: the name is NUL-terminated; password and salt are
                // valid for their lengths. librdkafka copies all three.
                unsafe {
                    rd::rd_kafka_UserScramCredentialUpsertion_new(
                        user.as_ptr(),
                        native::scram_mechanism(*mechanism),
                        *iterations,
                        password.as_ptr(),
                        password.len(),
                        salt.as_ptr(),
                        salt.len(),
                    )
                }
            }
            Alteration::Delete { user, mechanism } => {
                let user = c_string("user name", user)?;
                // SAFETY: the name is NUL-terminated; librdkafka copies it.
                unsafe {
                    rd::rd_kafka_UserScramCredentialDeletion_new(
                        user.as_ptr(),
                        native::scram_mechanism(*mechanism),
                    )
                }
            }
        };
        match NonNull::new(native_alteration) {
            Some(native_alteration) => out.0.push(native_alteration),
            None => return Err(Failure::local("librdkafka refused the SCRAM alteration")),
        }
    }
    Ok(out)
}

/// Describes the SCRAM credentials of `users` (every user when empty).
pub(in crate::admin) fn describe_scram<C: ClientContext>(
    client: &Client<C>,
    users: &[String],
    timeout: Duration,
) -> Result<Vec<ScramDescription>, Failure> {
    let names = users
        .iter()
        .map(|user| c_string("user name", user))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ptrs: Vec<*const c_char> = names.iter().map(|name| name.as_ptr()).collect();
    let users_ptr = if ptrs.is_empty() {
        ptr::null_mut()
    } else {
        ptrs.as_mut_ptr()
    };

    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS,
        rd::RD_KAFKA_EVENT_DESCRIBEUSERSCRAMCREDENTIALS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: `users_ptr` is null (all users) or points to `ptrs.len()`
            // NUL-terminated names owned by `names`, which librdkafka copies.
            unsafe {
                rd::rd_kafka_DescribeUserScramCredentials(rk, users_ptr, ptrs.len(), options, queue)
            }
        },
    )?;

    let mut count = 0;
    // SAFETY: the event is a DescribeUserScramCredentials result (type
    // checked); descriptions and credential infos live as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_DescribeUserScramCredentials_result(event.ptr());
        let descriptions = array_at(
            rd::rd_kafka_DescribeUserScramCredentials_result_descriptions(result, &mut count),
            count,
        );
        Ok(descriptions
            .iter()
            .map(|&description| {
                let infos = (0
                    ..rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(
                        description,
                    ))
                    .map(|i| {
                        let info = rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(
                            description,
                            i,
                        );
                        (
                            scram_credential_info_mechanism(info),
                            rd::rd_kafka_ScramCredentialInfo_iterations(info),
                        )
                    })
                    .collect();
                ScramDescription {
                    user: string_at(rd::rd_kafka_UserScramCredentialsDescription_user(
                        description,
                    )),
                    error: item_error(rd::rd_kafka_UserScramCredentialsDescription_error(
                        description,
                    )),
                    credentials: infos,
                }
            })
            .collect())
    }
}
