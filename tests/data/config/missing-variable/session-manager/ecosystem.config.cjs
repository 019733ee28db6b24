module.exports = {
  apps: [
    {
      name: 'session-manager',
      script: 'index.js',
      env: {
        PORT: 3001,
        NODE_ENV: 'production',
      },
    },
  ],
};
