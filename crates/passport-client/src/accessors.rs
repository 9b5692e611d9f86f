//! The API that the one-module client and the on-demand engine's front share
//! word for word (both read the same stored session): written once here and
//! expanded in each `impl`.

/// `user_info`, `access_token` and `id_token`, each from `restore()`.
macro_rules! session_accessors {
    () => {
        /// The profile of the signed-in user, refreshing the session if needed;
        /// `None` when nobody is signed in (as the SDK's `getUserInfo`).
        pub async fn user_info(
            &self,
        ) -> Result<Option<crate::user::UserProfile>, crate::error::PassportError> {
            Ok(self.restore().await?.map(|u| u.profile))
        }

        /// A valid access token, refreshing the session if needed; `None` when
        /// nobody is signed in (as the SDK's `getAccessToken`).
        pub async fn access_token(
            &self,
        ) -> Result<Option<crate::secret::AccessToken>, crate::error::PassportError> {
            Ok(self.restore().await?.map(|u| u.access_token))
        }

        /// A valid ID token, refreshing the session if needed; `None` when nobody
        /// is signed in (as the SDK's `getIdToken`).
        pub async fn id_token(
            &self,
        ) -> Result<Option<crate::secret::IdToken>, crate::error::PassportError> {
            Ok(self.restore().await?.map(|u| u.id_token))
        }
    };
}

/// `ImxProvider::is_registered_offchain` and `get_address`, from the stored
/// user, no network.
macro_rules! provider_claims {
    () => {
        /// Whether the user is registered with IMX: all three `imx_*` fields of
        /// the `passport` claim, no network. `NOT_LOGGED_IN_ERROR` when nobody is
        /// signed in, as the SDK's provider throws at the start of every call
        /// (2.14 `starkEx/passportImxProvider.ts`, `#getAuthenticatedUser`).
        pub fn is_registered_offchain(&self) -> Result<bool, crate::error::PassportError> {
            let user = self
                .passport
                .stored_user()
                .ok_or(crate::error::PassportError::NotLoggedIn)?;
            Ok(user.is_registered_offchain())
        }

        /// The user's Ethereum address registered with IMX (`imx_eth_address`),
        /// as the SDK's `getAddress`: `USER_NOT_REGISTERED_ERROR` for a user not
        /// registered with IMX (`toUserImx` in 2.14 `utils/imxUser.ts`), and
        /// `NOT_LOGGED_IN_ERROR` when nobody is signed in.
        pub fn get_address(&self) -> Result<String, crate::error::PassportError> {
            let user = self
                .passport
                .stored_user()
                .ok_or(crate::error::PassportError::NotLoggedIn)?;
            user.imx_address()
        }
    };
}
