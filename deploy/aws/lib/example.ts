// Example parameters (documentation addresses, RFC 5737) used by CI and the tests.
export const EXAMPLE_CONTEXT: Record<string, string> = {
  adminCidr: '203.0.113.10/32',
  trunkCidrs: '198.51.100.0/28,192.0.2.64/29',
  phoneCidrs: '203.0.113.128/26',
  alarmEmail: 'oncall@example.com',
  domain: 'pbx.example.com',
};
export const EXAMPLE_MANAGED_CONTEXT: Record<string, string> = { ...EXAMPLE_CONTEXT, redis: 'managed', database: 'managed', lambdaIngest: 'true' };
