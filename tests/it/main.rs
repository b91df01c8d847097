//! The one integration-test binary (each extra binary would link the AWS SDK again).
