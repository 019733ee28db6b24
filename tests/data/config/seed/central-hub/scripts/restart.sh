#!/bin/sh
# Restart after a deploy. Invoice 30011 and version 3.0.11 are not ports.
cd /opt/leadmaster/central-hub || exit 1
PORT=3011 pm2 restart leadmaster-central-hub
curl -s http://localhost:3011/health
