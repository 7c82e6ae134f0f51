// Sidebar entry: builds the app into #app, talking to the server through google.script.run.
import { SidebarApp } from './app';
import { pageClient } from './client';

const root = document.getElementById('app');
if (root) void new SidebarApp(pageClient(), root).boot();
