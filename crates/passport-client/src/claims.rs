//! The claims of a Passport ID token beyond OpenID Connect's: the `passport`
//! claim with the user's zkEVM and IMX addresses, read as the SDK reads it.

use serde::{Deserialize, Serialize};

/// The `passport` claim as the SDK reads it (`@imtbl/passport` 2.14:
/// `packages/auth/src/types.ts` `PassportMetadata`, `Auth.ts`
/// `mapOidcUserToDomainModel`, `utils/imxUser.ts` `toUserImx`): every part is
/// optional. Real accounts come as nothing at all (new), the zkEVM pair only
/// (the common case today), the three `imx_*` fields with or without the zkEVM
/// pair, or anything in between; fields this client does not know are ignored,
/// and a field that is not a non-empty string counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportClaims {
    /// The zkEVM wallet's address.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub zkevm_eth_address: Option<String>,
    /// The zkEVM wallet's user admin address.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub zkevm_user_admin_address: Option<String>,
    /// Ethereum address registered with IMX.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub imx_eth_address: Option<String>,
    /// Stark key registered with IMX.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub imx_stark_address: Option<String>,
    /// IMX user admin address.
    #[serde(default, deserialize_with = "lenient_string", skip_serializing_if = "Option::is_none")]
    pub imx_user_admin_address: Option<String>,
}

/// The user's IMX registration: present exactly when all three `imx_*`
/// fields are, as the SDK's `toUserImx` decides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImxRegistration {
    /// Ethereum address registered with IMX.
    pub eth_address: String,
    /// Stark key.
    pub stark_address: String,
    /// User admin address.
    pub user_admin_address: String,
}

impl PassportClaims {
    /// The IMX registration, when all three `imx_*` fields are present.
    pub fn imx(&self) -> Option<ImxRegistration> {
        Some(ImxRegistration {
            eth_address: self.imx_eth_address.clone()?,
            stark_address: self.imx_stark_address.clone()?,
            user_admin_address: self.imx_user_admin_address.clone()?,
        })
    }

    /// Whether no part of the claim is present.
    pub fn is_empty(&self) -> bool {
        self == &PassportClaims::default()
    }
}

/// A claim field: a non-empty string, or absent whatever else it was.
pub(crate) fn lenient_string<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(de)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

/// The `passport` claim of a token: an object in any of the shapes above, or
/// absent. Anything else (a string, a number, `null`) is read as absent: a
/// strange claim is "not registered", never an invalid token.
pub(crate) fn lenient_claims<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<PassportClaims>, D::Error> {
    let value = serde_json::Value::deserialize(de)?;
    Ok(serde_json::from_value::<PassportClaims>(value)
        .ok()
        .filter(|claims| !claims.is_empty()))
}
