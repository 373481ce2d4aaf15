using System.Security.Cryptography.X509Certificates;
using FedFace.Core.Security;

namespace FedFace.Transport.Kits;

/// <summary>
/// What the site trusts a kit by, given from outside the kit: the federation CA it already holds, or the CA's fingerprint
/// as the operator printed it when making the kit (told by another channel). The CA inside a kit cannot vouch for the kit
/// on its own: whoever could alter the kit could replace that CA and re-sign.
/// </summary>
public abstract record KitTrust
{
    /// <summary>The CA the kit must carry and be signed by; refuses any other with the reason.</summary>
    public abstract X509Certificate2 Accept(X509Certificate2 kitCa);

    public sealed record CaFile(string Path) : KitTrust
    {
        public override X509Certificate2 Accept(X509Certificate2 kitCa)
        {
            X509Certificate2 trusted = FederationTrust.LoadCertificate(Path);
            if (!trusted.RawData.AsSpan().SequenceEqual(kitCa.RawData))
                throw new StartupKitException($"the kit carries the CA '{kitCa.Subject}' ({StartupKitManifest.Fingerprint(kitCa)}), not the federation CA in '{Path}' ({StartupKitManifest.Fingerprint(trusted)})");
            return trusted;
        }
    }

    public sealed record Fingerprint(string Sha256) : KitTrust
    {
        public override X509Certificate2 Accept(X509Certificate2 kitCa)
        {
            string pinned = StartupKitManifest.NormalizeFingerprint(Sha256), actual = StartupKitManifest.Fingerprint(kitCa);
            if (pinned != actual)
                throw new StartupKitException($"the kit's CA '{kitCa.Subject}' has fingerprint {actual}, not the pinned {pinned}: it was not made by your federation's CA");
            return kitCa;
        }
    }
}
