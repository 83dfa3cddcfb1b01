import { chromium } from 'playwright-core';
import { testExample } from '../../support/example-test.mjs';

testExample({
  name: 'vue',
  title: 'a Vue 3 page',
  typecheck: ['vue-tsc', '--noEmit'],
  listeners: '@dualpay-*',
  chromium,
});
