//! The registration's steps and how it failed: the types the workflow, the
//! progress model and [`PassportError`](crate::PassportError) share, below
//! all three. The workflow (`registration`) builds the errors.

use serde::{Deserialize, Serialize};

use crate::kind::ErrorKind;

/// One step of the registration, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationStep {
    /// Connecting to the wallet service for the Ethereum address.
    ConnectingWallet,
    /// Deriving the Stark key from one wallet signature.
    ReadingKeys,
    /// Asking IMX for the message to sign.
    RequestingPayload,
    /// The wallet signs with both keys.
    Signing,
    /// Sending the registration to IMX.
    Submitting,
    /// Waiting for the session to carry the IMX addresses.
    Confirming,
    /// Registered.
    Done,
}

impl RegistrationStep {
    /// Every step, in order.
    pub const ALL: [RegistrationStep; 7] = [
        Self::ConnectingWallet,
        Self::ReadingKeys,
        Self::RequestingPayload,
        Self::Signing,
        Self::Submitting,
        Self::Confirming,
        Self::Done,
    ];

    /// A short label for the screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::ConnectingWallet => "Connecting your wallet",
            Self::ReadingKeys => "Deriving your Stark key",
            Self::RequestingPayload => "Requesting the registration message",
            Self::Signing => "Signing with your wallet",
            Self::Submitting => "Registering with IMX",
            Self::Confirming => "Confirming your registration",
            Self::Done => "Registered",
        }
    }

    /// Position in [`RegistrationStep::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// A failed registration: where it failed and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct RegistrationError {
    /// The step that failed.
    pub step: RegistrationStep,
    /// What happened, with the API's message where there is one.
    pub message: String,
    /// What the user can do about it.
    pub advice: String,
    /// Whether trying again may help.
    pub retryable: bool,
    /// As the SDK 2.14 reports it: `WALLET_CONNECTION_ERROR` while setting up
    /// the Stark signer (the first two steps), `USER_REGISTRATION_ERROR` in
    /// the workflow after, `NOT_LOGGED_IN_ERROR` with nobody signed in at
    /// the start.
    pub kind: ErrorKind,
}
