// PM2 file of central-hub (seed era). Secrets come from .env via dotenv.
require('dotenv').config();

module.exports = {
  apps: [
    {
      name: 'leadmaster-central-hub',
      script: 'src/index.js',
      instances: 1,
      autorestart: true,
      env: {
        NODE_ENV: 'production',
        DB_PASSWORD: process.env.DB_PASSWORD,
      },
    },
  ],
};
