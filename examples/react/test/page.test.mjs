import { chromium } from 'playwright-core';
import { testExample } from '../../support/example-test.mjs';

testExample({
  name: 'react',
  title: 'a React 19 page',
  typecheck: ['tsc', '--noEmit'],
  listeners: 'ondualpay-*',
  chromium,
});
