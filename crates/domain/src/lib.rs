//! The domain of Xinbao Desk: credit-insured export orders (信保订单) of Yiwu market
//! procurement trade.
//!
//! Pure: no I/O, no clock (callers pass "today" where a rule needs it). The store, the
//! importer, the reference platform and the app all ask this crate, so every rule of the
//! order's life and every format check lives here exactly once.

pub mod code;
pub mod countries;
pub mod mask;
pub mod matching;
pub mod money;
pub mod normalize;
pub mod order;
pub mod order_number;
pub mod validate;

pub use code::{Code, FieldError, Invalid};
pub use money::Cents;
pub use order::{
    confirm_problems, Action, LineForm, LinkRef, MerchantOrderRef, OrderDraft, OrderForm,
    OrderLineDraft, OrderState, StateError,
};
