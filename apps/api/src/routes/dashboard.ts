/// <reference path="../modules.d.ts" />

import uplotJs from 'uplot/dist/uPlot.iife.min.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { DASHBOARD_HTML, DASHBOARD_JS } from '../dashboard/page.ts';

const asset = (body: string, type: string, maxAge: number) => () =>
  new Response(body, {
    headers: { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': `public, max-age=${maxAge}` },
  });

/** GET /dashboard and its assets. */
export const getDashboard = asset(DASHBOARD_HTML, 'text/html', 60);
export const getDashboardJs = asset(DASHBOARD_JS, 'text/javascript', 60);
export const getUplotJs = asset(uplotJs, 'text/javascript', 86_400);
export const getUplotCss = asset(uplotCss, 'text/css', 86_400);
