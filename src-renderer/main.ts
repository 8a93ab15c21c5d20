import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { chooseClient } from './api/choose-client.ts';
import { apiKey } from './api/use-api.ts';
import './styles/theme.css';
import './styles/base.css';

const api = chooseClient();
const app = createApp(App);
app.provide(apiKey, api);
app.use(createPinia());
app.mount('#app');
