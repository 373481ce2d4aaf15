using System.Text.Json;

namespace FedFace.Core.Storage;

/// <summary>What the aggregator has committed: the last round, the model version it produced and its hash.</summary>
public sealed record CommittedState(long CommittedRound, long ModelVersion, string ModelSha256, string ModelFileName, DateTimeOffset CommittedAtUtc);

/// <summary>
/// The aggregator's durable state. A commit writes the model file first, then the state file that names
/// it, each atomically; a crash between the two leaves the previous state pointing at the previous model.
/// </summary>
public sealed class CheckpointStore
{
    private const string StateFileName = "state.json";
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public CheckpointStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "models"));
    }

    public string Directory { get; }

    public string StatePath => Path.Combine(Directory, StateFileName);

    public bool HasState => File.Exists(StatePath);

    public CommittedState Commit(long round, long version, ModelState model)
    {
        string fileName = Path.Combine("models", $"global-v{version:D6}.ffm");
        ModelFile.Write(Path.Combine(Directory, fileName), model, version);
        var state = new CommittedState(round, version, model.ComputeSha256Hex(), fileName, DateTimeOffset.UtcNow);
        AtomicFile.Write(StatePath, stream => JsonSerializer.Serialize(stream, state, s_json));
        return state;
    }

    /// <summary>Loads the last committed state and model, checking that the model matches the recorded hash.</summary>
    public (CommittedState State, ModelState Model) Load()
    {
        CommittedState state;
        try
        {
            state = JsonSerializer.Deserialize<CommittedState>(File.ReadAllText(StatePath))
                ?? throw new InvalidDataException($"{StatePath} is empty");
            if (state.ModelFileName is null || state.ModelSha256 is null)
            {
                throw new InvalidDataException($"{StatePath} is not valid checkpoint state: it names no model file or hash");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{StatePath} is not valid checkpoint state: {e.Message}", e);
        }
        (ModelState model, long version) = ModelFile.Read(Path.Combine(Directory, state.ModelFileName));
        if (version != state.ModelVersion || model.ComputeSha256Hex() != state.ModelSha256)
        {
            throw new InvalidDataException(
                $"{state.ModelFileName} holds version {version} with hash {model.ComputeSha256Hex()}, but {StatePath} records version {state.ModelVersion} with {state.ModelSha256}");
        }
        return (state, model);
    }
}
