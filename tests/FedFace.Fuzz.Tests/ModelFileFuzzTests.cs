using CsCheck;
using FedFace.Protocol.Storage;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>Damaged model files (the aggregator's checkpoints, a site's initial model): refused as <see cref="InvalidDataException"/>, saying why.</summary>
public sealed class ModelFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-fuzz-model-file-").FullName;

    [Fact]
    public void A_mutated_model_file_is_read_or_refused_as_invalid_data_with_a_reason()
    {
        byte[][] seeds = [.. Seeds.Models.Select((model, i) =>
        {
            string path = Path.Combine(_folder, $"seed-{i}.ffm");
            ModelFile.Write(path, model, version: i);
            return File.ReadAllBytes(path);
        })];
        string candidate = Path.Combine(_folder, "case.ffm");

        new FuzzCampaign("model-file", output) { MaxAllocatedBytes = 4 << 20 }.Run(Mutations.Of(seeds), ciCases: 2000, bytes =>
        {
            File.WriteAllBytes(candidate, bytes);
            try
            {
                ModelFile.Read(candidate);
                return null;
            }
            catch (InvalidDataException e)
            {
                return e.Message;
            }
        }, bytes => bytes);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
