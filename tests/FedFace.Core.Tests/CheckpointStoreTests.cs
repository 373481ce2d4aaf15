using System.Text.Json;
using System.Text.Json.Nodes;
using FedFace.Core.Privacy;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Core.Tests;

public class CheckpointStoreTests
{
    private static ModelState ModelV(int seed) => Models.Random(seed, 1f, ("conv.weight", [8, 3, 3, 3]), ("bn.bias", [8]));

    [Fact]
    public void A_new_store_over_the_same_directory_loads_what_was_committed()
    {
        using var temp = new TempDirectory();
        ModelState model = ModelV(1);
        CommittedState committed = new CheckpointStore(temp.Path).Commit(round: 3, version: 4, model);

        var reopened = new CheckpointStore(temp.Path);
        Assert.True(reopened.HasState);
        (CommittedState state, ModelState loaded, _) = reopened.Load();

        Assert.Equal(committed, state);
        Assert.Equal(3, state.CommittedRound);
        Assert.Equal(4, state.ModelVersion);
        Assert.Equal(model.ComputeSha256Hex(), state.ModelSha256);
        Models.AssertIdentical(model, loaded);
    }

    [Fact]
    public void The_server_optimiser_state_is_committed_with_the_model_and_hash_checked()
    {
        using var temp = new TempDirectory();
        ModelState momentum = Models.Random(5, 1f, ("velocity/conv.weight", [216]));
        new CheckpointStore(temp.Path).Commit(round: 1, version: 1, ModelV(1), new OptimizerCheckpoint("fedavgm", momentum));

        (CommittedState state, _, OptimizerCheckpoint? optimizer) = new CheckpointStore(temp.Path).Load();
        Assert.Equal("fedavgm", state.OptimizerName);
        Assert.NotNull(optimizer);
        Assert.Equal("fedavgm", optimizer.Name);
        Models.AssertIdentical(momentum, optimizer.State);

        File.WriteAllBytes(Path.Combine(temp.Path, state.OptimizerFileName!), [1, 2, 3]);
        Assert.ThrowsAny<InvalidDataException>(() => new CheckpointStore(temp.Path).Load());
    }

    [Fact]
    public void The_model_signature_and_the_privacy_state_are_committed_with_the_model_and_loaded_back_unchanged()
    {
        using var temp = new TempDirectory();
        ModelState model = ModelV(2);
        var signature = new ModelSignature("FedFace", 3, 5, model.ComputeSha256(), [.. Enumerable.Range(0, 64).Select(i => (byte)i)], [0x30, 0x82, 0x01]);
        var accountant = new RdpAccountant();
        accountant.Compose(samplingRate: 0.5, noiseMultiplier: 1.1, rounds: 4);
        var privacy = new DifferentialPrivacyCheckpoint(0.37, accountant.ToCheckpoint());
        new CheckpointStore(temp.Path).Commit(round: 5, version: 3, model, signature: signature, privacy: privacy);

        (CommittedState state, _, _) = new CheckpointStore(temp.Path).Load();

        Assert.NotNull(state.Signature);
        Assert.Equal((signature.FederationName, signature.ModelVersion, signature.Round), (state.Signature.FederationName, state.Signature.ModelVersion, state.Signature.Round));
        Assert.Equal(signature.ModelSha256, state.Signature.ModelSha256);
        Assert.Equal(signature.Signature, state.Signature.Signature);
        Assert.Equal(signature.SignerCertificate, state.Signature.SignerCertificate);
        Assert.NotNull(state.Privacy);
        Assert.Equal(0.37, state.Privacy.ClipNorm);
        Assert.Equal(accountant.Spent(1e-5), state.Privacy.RestoreAccountant().Spent(1e-5));
    }

    [Fact]
    public void Earlier_models_stay_readable_by_version_and_a_file_holding_another_version_is_refused()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        ModelState first = ModelV(1), second = ModelV(2);
        store.Commit(round: 1, version: 1, first);
        store.Commit(round: 2, version: 2, second);

        Models.AssertIdentical(first, store.ReadModel(1));
        Models.AssertIdentical(second, store.ReadModel(2));
        Assert.Throws<FileNotFoundException>(() => store.ReadModel(3));

        File.Copy(Path.Combine(temp.Path, "models", "global-v000002.ffm"), Path.Combine(temp.Path, "models", "global-v000001.ffm"), overwrite: true);
        var error = Assert.Throws<InvalidDataException>(() => store.ReadModel(1));
        Assert.Contains("holds model version 2, not 1", error.Message);
    }

    [Fact]
    public void A_fresh_directory_has_no_state()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(Path.Combine(temp.Path, "new"));
        Assert.False(store.HasState);
        Assert.True(Directory.Exists(Path.Combine(temp.Path, "new", "models")));
        Assert.True(Path.IsPathFullyQualified(store.Directory));
        Assert.Throws<FileNotFoundException>(() => store.Load());
    }

    [Fact]
    public void Committing_v1_then_v2_leaves_the_state_at_v2()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        store.Commit(1, 1, ModelV(1));
        ModelState v2 = ModelV(2);
        store.Commit(2, 2, v2);

        (CommittedState state, ModelState loaded, _) = new CheckpointStore(temp.Path).Load();
        Assert.Equal(2, state.CommittedRound);
        Assert.Equal(2, state.ModelVersion);
        Models.AssertIdentical(v2, loaded);
    }

    [Fact]
    public void Commits_leave_no_temporary_files()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        store.Commit(1, 1, ModelV(1));
        store.Commit(2, 2, ModelV(2));
        Assert.All(temp.AllFiles(), f => Assert.DoesNotContain(".tmp", f));
        Assert.Contains("state.json", temp.AllFiles());
    }

    [Fact]
    public void A_state_naming_a_model_with_another_hash_is_refused_clearly()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState v1 = store.Commit(1, 1, ModelV(1));
        CommittedState v2 = store.Commit(2, 2, ModelV(2));
        // The state records v2's version and hash but points at v1's file.
        File.WriteAllText(store.StatePath, JsonSerializer.Serialize(v2 with { ModelFileName = v1.ModelFileName }));

        var error = Assert.Throws<InvalidDataException>(() => new CheckpointStore(temp.Path).Load());
        Assert.Contains(v1.ModelFileName, error.Message);
        Assert.Contains(v1.ModelSha256, error.Message);
        Assert.Contains(v2.ModelSha256, error.Message);
        Assert.Contains(store.StatePath, error.Message);
    }

    [Fact]
    public void A_state_recording_a_different_hash_for_the_same_file_is_refused()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState v1 = store.Commit(1, 1, ModelV(1));
        string forged = new string('0', 64);
        File.WriteAllText(store.StatePath, JsonSerializer.Serialize(v1 with { ModelSha256 = forged }));

        var error = Assert.Throws<InvalidDataException>(() => store.Load());
        Assert.Contains(forged, error.Message);
        Assert.Contains(v1.ModelSha256, error.Message);
    }

    [Fact]
    public void A_state_recording_a_different_version_is_refused()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState v1 = store.Commit(1, 1, ModelV(1));
        File.WriteAllText(store.StatePath, JsonSerializer.Serialize(v1 with { ModelVersion = 9 }));

        var error = Assert.Throws<InvalidDataException>(() => store.Load());
        Assert.Contains("version 9", error.Message);
    }

    [Fact]
    public void A_damaged_latest_model_falls_back_to_the_newest_intact_earlier_checkpoint_naming_what_was_damaged()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        ModelState v2 = ModelV(2);
        ModelState momentum = Models.Random(5, 1f, ("velocity/conv.weight", [216]));
        store.Commit(1, 1, ModelV(1));
        CommittedState second = store.Commit(2, 2, v2, new OptimizerCheckpoint("fedavgm", momentum));
        CommittedState third = store.Commit(3, 3, ModelV(3));
        FlipLastByte(Path.Combine(temp.Path, third.ModelFileName));

        LoadedCheckpoint loaded = new CheckpointStore(temp.Path).LoadNewestIntact();

        Assert.Equal(second, loaded.State);
        Models.AssertIdentical(v2, loaded.Model);
        Models.AssertIdentical(momentum, loaded.Optimizer!.State);
        Assert.Contains(third.ModelFileName, Assert.Single(loaded.Damaged));
        Assert.Throws<InvalidDataException>(() => store.Load());
    }

    [Fact]
    public void A_committed_model_that_is_not_finite_counts_as_damaged_and_the_highest_version_on_disk_is_known()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState first = store.Commit(1, 1, ModelV(1));
        ModelState poisoned = ModelV(2);
        poisoned.Tensors[0].Values[0] = float.PositiveInfinity;
        store.Commit(2, 2, poisoned);

        var error = Assert.Throws<InvalidDataException>(() => store.Load());
        LoadedCheckpoint loaded = store.LoadNewestIntact();

        Assert.Contains("(model v2) is not finite: tensor 'conv.weight' holds Infinity at element 0", error.Message);
        Assert.Equal(first, loaded.State);
        Assert.Equal(2, store.HighestVersionOnDisk());
    }

    [Fact]
    public void An_unreadable_state_file_loses_nothing_when_the_latest_commit_is_intact_and_an_intact_checkpoint_loads_without_damage()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        store.Commit(1, 1, ModelV(1));
        CommittedState latest = store.Commit(2, 2, ModelV(2));
        Assert.Empty(store.LoadNewestIntact().Damaged);

        File.WriteAllText(store.StatePath, "{\"CommittedRound\": ");
        LoadedCheckpoint loaded = store.LoadNewestIntact();

        Assert.Equal(latest, loaded.State);
        Assert.Contains(store.StatePath, Assert.Single(loaded.Damaged));
    }

    [Fact]
    public void With_no_intact_checkpoint_left_the_error_names_every_damaged_file()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState first = store.Commit(1, 1, ModelV(1));
        CommittedState second = store.Commit(2, 2, ModelV(2));
        FlipLastByte(Path.Combine(temp.Path, second.ModelFileName));
        File.Delete(Path.Combine(temp.Path, first.ModelFileName));

        var error = Assert.Throws<InvalidDataException>(() => store.LoadNewestIntact());

        Assert.Contains("no intact checkpoint", error.Message);
        Assert.Contains(second.ModelFileName, error.Message);
        Assert.Contains("global-v000001.ffm", error.Message);
    }

    private static void FlipLastByte(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void A_damaged_model_file_is_refused_on_load()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState v1 = store.Commit(1, 1, ModelV(1));
        FlipLastByte(Path.Combine(temp.Path, v1.ModelFileName));

        Assert.Throws<InvalidDataException>(() => store.Load());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"CommittedRound\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"CommittedRound\": \"three\"}")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"CommittedRound\": 1, \"ModelVersion\": 1}")]
    public void Garbage_state_is_refused_naming_the_file(string content)
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        store.Commit(1, 1, ModelV(1));
        File.WriteAllText(store.StatePath, content);

        var error = Assert.Throws<InvalidDataException>(() => store.Load());
        Assert.Contains(store.StatePath, error.Message);
    }

    [Fact]
    public void The_state_file_is_readable_json_naming_the_model_file()
    {
        using var temp = new TempDirectory();
        var store = new CheckpointStore(temp.Path);
        CommittedState state = store.Commit(5, 6, ModelV(1));

        JsonNode json = JsonNode.Parse(File.ReadAllText(store.StatePath))!;
        Assert.Equal(5, (long)json["CommittedRound"]!);
        Assert.Equal(6, (long)json["ModelVersion"]!);
        Assert.Equal(state.ModelFileName, (string)json["ModelFileName"]!);
        Assert.True(File.Exists(Path.Combine(temp.Path, state.ModelFileName)));
    }
}
