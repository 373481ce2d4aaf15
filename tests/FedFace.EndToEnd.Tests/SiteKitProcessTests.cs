using FedFace.Certs;
using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary><c>fedface-site --kit</c>: the real executable checks the kit before it uses anything in it.</summary>
public sealed class SiteKitProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fedface-site-kit-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_kit_that_checks_out_becomes_the_sites_settings_which_its_own_flags_override()
    {
        StartupKit kit = MakeKit();
        string data = Directory.CreateDirectory(Path.Combine(_root, "faces")).FullName;

        SiteRun run = await SiteProcess.RunAsync("--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", Path.Combine(_root, "run"),
            "--Site:DataDirectory", data);

        output.WriteLine(run.ToString());
        // The kit's credentials and address are in place; what is left is the detector the kit's starter settings name.
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("fedface-site: Site:DetectorModelPath '/opt/fedface-site/models/face_detection_yunet_2023mar.onnx' does not exist (the YuNet ONNX model)",
            Assert.Single(run.Lines));
    }

    [Fact]
    public async Task A_tampered_kit_is_refused_in_one_line_with_exit_code_2()
    {
        StartupKit kit = MakeKit();
        byte[] bytes = File.ReadAllBytes(kit.Path);
        // A byte inside the first entry's data (the site certificate, stored compressed): its CRC no longer matches.
        bytes[64] ^= 0xFF;
        File.WriteAllBytes(kit.Path, bytes);

        SiteRun run = await SiteProcess.RunAsync("--kit", kit.Path, "--kit-ca-fingerprint", kit.CaFingerprint, "--kit-dir", Path.Combine(_root, "run"));

        output.WriteLine(run.ToString());
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"fedface-site: kit '{kit.Path}' refused: ", Assert.Single(run.Lines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    private StartupKit MakeKit()
    {
        PkiLayout pki = FederationPki.Create(Path.Combine(_root, "pki"), ["site-01"], validityDays: 2);
        return StartupKits.Write(pki, "site-01", new Uri("https://localhost:7443"), Path.Combine(_root, "kits"));
    }
}
