const common = require('./pm2.common');
const base = 3000;

module.exports = {
  apps: [
    {
      ...common,
      name: 'session-manager',
      script: 'index.js',
      env: {
        PORT: process.env.SM_PORT || 3001,
        HOST: '127.0.0.1',
      },
      env_staging: {
        PORT: base + 11,
      },
    },
  ],
};
