using System.Text.Json;
using FedFace.Core.Privacy;
using FedFace.Core.Security;

namespace FedFace.Core.Storage;

/// <summary>
/// What the aggregator has committed: the last round, the model version it produced and its hash, the server
/// optimiser's state after that round (absent for FedAvg, which keeps none), the aggregator's signature over the model
/// (so a restarted aggregator serves the very signature it published) and the differential privacy carried to the
/// next round (absent without DP).
/// </summary>
public sealed record CommittedState(long CommittedRound, long ModelVersion, string ModelSha256, string ModelFileName, DateTimeOffset CommittedAtUtc,
    string? OptimizerName = null, string? OptimizerFileName = null, string? OptimizerSha256 = null,
    ModelSignature? Signature = null, DifferentialPrivacyCheckpoint? Privacy = null);

/// <summary>A server optimiser's state as committed with a model.</summary>
public sealed record OptimizerCheckpoint(string Name, ModelState State);

/// <summary>
/// The aggregator's durable state. A commit writes the model file first, then the state file that names
/// it, each atomically; a crash between the two leaves the previous state pointing at the previous model.
/// The optimiser's state is written like the model, before the state file that names both.
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

    public CommittedState Commit(long round, long version, ModelState model, OptimizerCheckpoint? optimizer = null,
        ModelSignature? signature = null, DifferentialPrivacyCheckpoint? privacy = null)
    {
        string fileName = ModelFileName(version);
        ModelFile.Write(Path.Combine(Directory, fileName), model, version);
        string? optimizerFile = null;
        if (optimizer is not null)
        {
            optimizerFile = Path.Combine("models", $"optimizer-v{version:D6}.ffm");
            ModelFile.Write(Path.Combine(Directory, optimizerFile), optimizer.State, version);
        }
        var state = new CommittedState(round, version, model.ComputeSha256Hex(), fileName, DateTimeOffset.UtcNow,
            optimizer?.Name, optimizerFile, optimizer?.State.ComputeSha256Hex(), signature, privacy);
        AtomicFile.Write(StatePath, stream => JsonSerializer.Serialize(stream, state, s_json));
        return state;
    }

    /// <summary>
    /// Loads the last committed state, model and optimiser state (null when none was committed), checking each file
    /// against the recorded version and hash.
    /// </summary>
    public (CommittedState State, ModelState Model, OptimizerCheckpoint? Optimizer) Load()
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
        ModelState model = ReadChecked(state.ModelFileName, state.ModelVersion, state.ModelSha256);
        OptimizerCheckpoint? optimizer = null;
        if (state.OptimizerFileName is not null)
        {
            if (state.OptimizerName is null || state.OptimizerSha256 is null)
            {
                throw new InvalidDataException($"{StatePath} names an optimiser state file but not its optimiser or hash");
            }
            optimizer = new OptimizerCheckpoint(state.OptimizerName, ReadChecked(state.OptimizerFileName, state.ModelVersion, state.OptimizerSha256));
        }
        return (state, model, optimizer);
    }

    /// <summary>
    /// An earlier committed model, kept in its own file: the file's hash is checked as it is read, and it must hold
    /// <paramref name="version"/>. Missing or damaged files throw (FileNotFoundException, InvalidDataException).
    /// </summary>
    public ModelState ReadModel(long version)
    {
        string path = Path.Combine(Directory, ModelFileName(version));
        (ModelState model, long stored) = ModelFile.Read(path);
        if (stored != version)
        {
            throw new InvalidDataException($"{path} holds model version {stored}, not {version}");
        }
        return model;
    }

    private static string ModelFileName(long version) => Path.Combine("models", $"global-v{version:D6}.ffm");

    private ModelState ReadChecked(string fileName, long expectedVersion, string expectedSha256)
    {
        (ModelState model, long version) = ModelFile.Read(Path.Combine(Directory, fileName));
        if (version != expectedVersion || model.ComputeSha256Hex() != expectedSha256)
        {
            throw new InvalidDataException(
                $"{fileName} holds version {version} with hash {model.ComputeSha256Hex()}, but {StatePath} records version {expectedVersion} with {expectedSha256}");
        }
        return model;
    }
}
