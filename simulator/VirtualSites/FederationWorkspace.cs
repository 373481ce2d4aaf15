using FedFace.Certs;
using FedFace.Core;
using FedFace.Protocol.Storage;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A simulated federation's folder: its PKI (a certificate per site, the operator's), the version-0 model and a fresh aggregator state folder.</summary>
public sealed record FederationWorkspace(string Directory, PkiLayout Pki, string InitialModelPath, string StateDirectory)
{
    public static FederationWorkspace Create(string outputDirectory, IReadOnlyList<string> siteIds, ModelState initial)
    {
        string directory = Path.GetFullPath(outputDirectory);
        System.IO.Directory.CreateDirectory(directory);
        PkiLayout pki = FederationPki.Create(Path.Combine(directory, "pki"), siteIds);
        string initialModelPath = Path.Combine(directory, "initial-model.ffm");
        ModelFile.Write(initialModelPath, initial, version: 0);
        string stateDirectory = Path.Combine(directory, "aggregator-state");
        if (System.IO.Directory.Exists(stateDirectory))
        {
            System.IO.Directory.Delete(stateDirectory, recursive: true); // each simulation is a new federation
        }
        return new FederationWorkspace(directory, pki, initialModelPath, stateDirectory);
    }
}
