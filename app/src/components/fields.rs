//! Form pieces every panel uses: a `<select>`'s options from a [`SelectKey`]
//! type, and the message shown beside the field it is about.

use leptos::prelude::*;

use crate::form::{Field, FieldError, SelectKey};

/// The `<option>`s of every value of `T`, in its order.
pub fn options<T: SelectKey>() -> impl IntoView {
    T::ALL.iter().map(|v| view! { <option value=v.key()>{v.label()}</option> }).collect_view()
}

/// The value of `T` a `<select>`'s change event chose.
pub fn selected<T: SelectKey>(ev: &leptos::ev::Event) -> Option<T> {
    T::from_key(&event_target_value(ev))
}

/// The error about `field`, if the form's error is about it.
pub fn field_error(field: Field, error: impl Fn() -> Option<FieldError> + Send + Sync + 'static) -> impl IntoView {
    move || {
        error().filter(|e| e.field == field).map(|e| {
            view! { <p class="field-error" id=field.error_id() role="alert">{e.message}</p> }
        })
    }
}
