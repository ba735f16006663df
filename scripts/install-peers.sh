#!/usr/bin/env bash
# Install the Debian packages of the real peers and tools the test suite runs
# against (SIPp, Kamailio, baresip, coturn, libgsm's toast, opus-tools, sox, TTS engines,
# pocketsphinx, recorded IVR prompts with their transcripts (the Asterisk core
# sounds, CC-BY-SA 3.0: the real-voice corpus of `heard`), tshark,
# ALSA/PortAudio/PulseAudio pieces, network-lab tools,
# Chromium for the HTML report test). Installs only what is missing.
# Needs root (or sudo) on Debian 12.
set -euo pipefail

PACKAGES=(
  sip-tester kamailio kamailio-tls-modules baresip-core coturn stun-client
  libgsm-tools libgsm1-dev libspandsp-dev libopus-dev opus-tools sox libsox-fmt-all espeak-ng flite
  pocketsphinx pocketsphinx-en-us tshark
  asterisk-core-sounds-en asterisk-core-sounds-en-wav asterisk-core-sounds-en-gsm
  alsa-utils libasound2-dev libasound2-plugins portaudio19-dev pulseaudio pulseaudio-utils
  iproute2 iptables procps chromium tmux sipvicious dnsmasq-base
  build-essential python3 python3-aiosmtpd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
APT=(apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 -q)
echo "install-peers: installing ${missing[*]}"
$SUDO "${APT[@]}" update
$SUDO "${APT[@]}" install -y --no-install-recommends "${missing[@]}"
