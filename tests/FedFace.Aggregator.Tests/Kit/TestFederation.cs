using FedFace.Certs;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>
/// The throwaway PKIs every test shares (made once: key generation is the slow part): the federation's
/// CA with its aggregator and eight sites, and a second, unrelated CA ("another federation") whose site
/// certificates must never be admitted. Each test works in its own <see cref="Workspace"/>.
/// </summary>
public sealed class TestFederation : IDisposable
{
    /// <summary>The sites of the federation's PKI; most tests use the first four (<see cref="SiteIds"/>).</summary>
    public static readonly string[] AllSiteIds = [.. Enumerable.Range(1, 8).Select(i => $"site-{i:D2}")];

    public static readonly string[] SiteIds = AllSiteIds[..4];

    private readonly string _root = Directory.CreateTempSubdirectory("fedface-aggregator-tests-").FullName;

    public TestFederation()
    {
        Pki = FederationPki.Create(Path.Combine(_root, "pki"), AllSiteIds, federationName: "FedFace-Test", validityDays: 2);
        OtherPki = FederationPki.Create(Path.Combine(_root, "other-pki"), ["site-01"], federationName: "Elsewhere", validityDays: 2);
    }

    public PkiLayout Pki { get; }

    /// <summary>Another CA: its "site-01" has the right name and the wrong issuer.</summary>
    public PkiLayout OtherPki { get; }

    /// <summary>A copy of the federation's PKI (same CA) that a test may change: revoke a site, rotate a certificate.</summary>
    public PkiLayout CopyOfPki(string workspace) => Copy(Pki, Path.Combine(workspace, "pki"));

    public static PkiLayout Copy(PkiLayout pki, string directory)
    {
        foreach (string file in Directory.EnumerateFiles(pki.Directory, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(directory, Path.GetRelativePath(pki.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return new PkiLayout(directory);
    }

    /// <summary>A fresh directory for one test (state directory, model files), under the shared root.</summary>
    public string Workspace(string name) => Directory.CreateDirectory(Path.Combine(_root, $"{name}-{Guid.NewGuid():N}")).FullName;

    /// <summary>Writes <paramref name="model"/> as a version-0 model file and returns its path.</summary>
    public static string WriteInitialModel(string workspace, ModelState model, string fileName = "initial.ffm")
    {
        string path = Path.Combine(workspace, fileName);
        ModelFile.Write(path, model, version: 0);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is not a test failure.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AggregatorCollection : ICollectionFixture<TestFederation>
{
    /// <summary>One collection: the tests run one after another, so deadlines are not fighting for 2 cores.</summary>
    public const string Name = "Aggregator over loopback";
}
