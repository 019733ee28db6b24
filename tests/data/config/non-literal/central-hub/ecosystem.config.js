module.exports = {
  apps: [{
    name: 'leadmaster-central-hub',
    script: 'src/index.js',
    env: {
      SESSION_MANAGER_BASE_URL: `http://localhost:${process.env.SM_PORT}`,
    },
  }],
};
