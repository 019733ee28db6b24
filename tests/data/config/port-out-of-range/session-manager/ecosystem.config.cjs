module.exports = {
  apps: [
    {
      name: 'session-manager',
      script: 'index.js',
      env: {
        PORT: 70000,
        NODE_ENV: 'production',
      },
    },
  ],
};
