/// <reference path="../modules.d.ts" />

import { TTL_POLICY } from '@openvine/trending-core';
import uplotJs from 'uplot/dist/uPlot.iife.min.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { DASHBOARD_HTML, DASHBOARD_JS } from '../dashboard/page.ts';

const asset = (body: string, type: string, maxAge: number) => () =>
  new Response(body, {
    headers: { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': `public, max-age=${maxAge}` },
  });

/** GET /dashboard and its assets. */
const { pageMaxAgeS, chartLibraryMaxAgeS } = TTL_POLICY.dashboard;
export const getDashboard = asset(DASHBOARD_HTML, 'text/html', pageMaxAgeS);
export const getDashboardJs = asset(DASHBOARD_JS, 'text/javascript', pageMaxAgeS);
export const getUplotJs = asset(uplotJs, 'text/javascript', chartLibraryMaxAgeS);
export const getUplotCss = asset(uplotCss, 'text/css', chartLibraryMaxAgeS);
