// A real OpenID Connect provider on 127.0.0.1 for the single sign-on test (npm's oidc-provider with its
// development sign-in form: any name signs in, as <name>@example.com; "unverified-<name>" gets
// that address with email_verified false). Test use only.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],  // st.logout() signs out here too, then comes back
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        // "unverified-ada" claims ada's address without the provider having checked it
        const unverified = id.startsWith('unverified-');
        const name = unverified ? id.slice('unverified-'.length) : id;
        return { sub: id, email: `${name}@example.com`, email_verified: !unverified, name };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Streamlit reads who signed in from the ID token (st.user), not from the userinfo endpoint:
  // put the email there, as Google, Microsoft and Okta do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key'] },
});

provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
