using System.Text;
using System.Text.Json;

namespace FedFace.Certs;

/// <summary>
/// The texts a startup kit carries besides its certificates: starter settings, a start script and a systemd unit. All
/// three assume the site's usual places (binary in /opt/fedface-site, kit in /etc/fedface-site, data under
/// /var/lib/fedface-site); the IT staff edit the settings' folders, and everything stays under the kit's signature.
/// </summary>
internal static class KitFiles
{
    private const string Binary = "/opt/fedface-site/fedface-site";
    private const string DataRoot = "/var/lib/fedface-site";

    public static string KitPath(string siteId) => $"/etc/fedface-site/{siteId}.zip";

    /// <summary>Section "Site" only: the kit reader refuses any other key, so a kit cannot reconfigure anything else.</summary>
    public static byte[] Settings(Uri aggregatorUrl)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("Site");
            json.WriteString("AggregatorUrl", aggregatorUrl.ToString().TrimEnd('/'));
            json.WriteString("DataDirectory", $"{DataRoot}/faces");
            json.WriteString("DetectorModelPath", "/opt/fedface-site/models/face_detection_yunet_2023mar.onnx");
            json.WriteString("AlignedCacheDirectory", $"{DataRoot}/aligned");
            json.WriteString("StateDirectory", $"{DataRoot}/state");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public static byte[] StartScript(string siteId, string caFingerprint) => Encoding.UTF8.GetBytes($$"""
        #!/bin/sh
        # Starts site {{siteId}} from its signed startup kit. Before it uses anything in the kit, the site checks the kit's
        # signature against the federation CA pinned here: compare this fingerprint with the one the federation operator
        # gave you by another channel (telephone, letter) before the first start.
        set -eu
        export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2}"
        exec "${FEDFACE_SITE:-{{Binary}}}" --kit "${FEDFACE_KIT:-{{KitPath(siteId)}}}" \
          --kit-ca-fingerprint {{caFingerprint}} \
          --kit-dir "${FEDFACE_KIT_DIR:-{{DataRoot}}/kit}" "$@"

        """);

    public static byte[] SystemdUnit(string siteId, string caFingerprint) => Encoding.UTF8.GetBytes($$"""
        # FedFace site {{siteId}}: install as /etc/systemd/system/fedface-site.service, with the kit at {{KitPath(siteId)}}.
        # Compare the CA fingerprint below with the one the federation operator gave you by another channel.
        [Unit]
        Description=FedFace site {{siteId}} (federated face-recognition training)
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=exec
        User=fedface-site
        Environment=GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2
        ExecStart={{Binary}} --kit {{KitPath(siteId)}} --kit-ca-fingerprint {{caFingerprint}} --kit-dir ${RUNTIME_DIRECTORY}/kit
        # The unpacked key lives in /run, owner-only, and is gone when the service stops.
        RuntimeDirectory=fedface-site
        RuntimeDirectoryMode=0700
        StateDirectory=fedface-site
        Restart=on-failure
        RestartSec=30
        # 2 is a refused kit or a settings error: a restart would not fix it.
        RestartPreventExitStatus=2
        NoNewPrivileges=true
        ProtectSystem=strict
        ProtectHome=true
        PrivateTmp=true

        [Install]
        WantedBy=multi-user.target

        """);
}
