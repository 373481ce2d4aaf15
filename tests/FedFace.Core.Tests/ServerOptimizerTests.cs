using FedFace.Core.Aggregation;

namespace FedFace.Core.Tests;

/// <summary>FedAvgM and FedAdam against their formulas, written out by hand on a two-element tensor over two rounds.</summary>
public class ServerOptimizerTests
{
    private static ModelState One(string name, params float[] values) => new([new NamedTensor(name, [values.Length], values)]);

    [Fact]
    public void FedAvgM_accumulates_velocity_and_steps_with_the_server_learning_rate()
    {
        var optimizer = new FedAvgM(serverLearningRate: 0.5f, momentum: 0.9f);
        ModelState x1 = optimizer.Apply(One("w", 1f, -2f), One("w", 0.2f, 0.4f));
        // v1 = Δ1 = (0.2, 0.4); x1 = x0 + 0.5·v1
        Assert.Equal([1.1f, -1.8f], x1["w"].Values);
        ModelState x2 = optimizer.Apply(x1, One("w", -0.1f, 0.1f));
        // v2 = 0.9·v1 + Δ2 = (0.08, 0.46); x2 = x1 + 0.5·v2
        Assert.Equal(1.1f + 0.5f * (0.9f * 0.2f - 0.1f), x2["w"].Values[0], 6);
        Assert.Equal(-1.8f + 0.5f * (0.9f * 0.4f + 0.1f), x2["w"].Values[1], 6);
    }

    [Fact]
    public void FedAvgM_with_no_momentum_and_unit_rate_is_FedAvg()
    {
        ModelState global = Models.Random(1, 1f, ("a", [5, 3]));
        ModelState delta = Models.Random(2, 0.1f, ("a", [5, 3]));
        Models.AssertIdentical(new FedAvg().Apply(global, delta), new FedAvgM(1f, 0f).Apply(global, delta));
    }

    [Fact]
    public void FedAdam_follows_Reddi_et_al_algorithm_2()
    {
        const float eta = 0.1f, b1 = 0.9f, b2 = 0.99f, tau = 1e-3f;
        var optimizer = new FedAdam(eta, b1, b2, tau);
        float[] x = [0.5f, -0.5f];
        float[] m = [0, 0], v = [0, 0];
        float[][] deltas = [[0.02f, -0.3f], [-0.01f, 0.05f]];
        ModelState global = One("w", (float[])x.Clone());
        foreach (float[] d in deltas)
        {
            global = optimizer.Apply(global, One("w", d));
            for (int i = 0; i < 2; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * d[i];
                v[i] = b2 * v[i] + (1 - b2) * d[i] * d[i];
                x[i] += eta * m[i] / (MathF.Sqrt(v[i]) + tau);
            }
            Assert.Equal(x[0], global["w"].Values[0], 6);
            Assert.Equal(x[1], global["w"].Values[1], 6);
        }
    }

    [Theory]
    [InlineData("fedavgm")]
    [InlineData("fedadam")]
    public void BatchNorm_running_statistics_are_averaged_not_stepped(string kind)
    {
        IServerOptimizer optimizer = new ServerOptimizerSettings { Kind = kind, LearningRate = 0.3f }.Create();
        ModelState global = One("bn.running_var", 1f, 2f);
        ModelState next = global;
        for (int round = 0; round < 3; round++)
        {
            next = optimizer.Apply(next, One("bn.running_var", -0.5f, 0.25f));
        }
        Assert.Equal([1f - 1.5f, 2f + 0.75f], next["bn.running_var"].Values);
    }

    [Theory]
    [InlineData("fedavgm")]
    [InlineData("fedadam")]
    public void A_restored_optimiser_continues_exactly_like_the_original(string kind)
    {
        var settings = new ServerOptimizerSettings { Kind = kind, LearningRate = 0.2f };
        (string, long[])[] layout = [("conv.weight", [4, 3]), ("bn.running_mean", [4])];
        IServerOptimizer original = settings.Create();
        ModelState global = original.Apply(Models.Random(1, 1f, layout), Models.Random(2, 0.1f, layout));

        IServerOptimizer restored = settings.Create();
        restored.RestoreState(original.ExportState()!);
        ModelState delta = Models.Random(3, 0.1f, layout);

        Models.AssertIdentical(original.Apply(global, delta), restored.Apply(global, delta));
    }

    [Theory]
    [InlineData("fedavg", 1f, 0.9f, false)]
    [InlineData("fedavgm", 1f, 0f, false)] // FedAvg's own step
    [InlineData("fedavgm", 1f, 0.9f, true)]
    [InlineData("fedavgm", 0.5f, 0f, true)]
    [InlineData("fedadam", 0.01f, 0.9f, true)]
    public void Only_a_step_away_from_the_sites_average_asks_for_the_received_models_statistics(string kind, float learningRate, float momentum, bool wanted)
    {
        var settings = new ServerOptimizerSettings { Kind = kind, LearningRate = learningRate, Momentum = momentum };
        Assert.Equal(wanted, settings.Create().WantsReceivedModelStatistics);
    }

    [Fact]
    public void FedAvg_has_no_state()
    {
        Assert.Null(new FedAvg().ExportState());
    }

    [Fact]
    public void Settings_name_every_problem()
    {
        var settings = new ServerOptimizerSettings { Kind = "sgd", LearningRate = 0, Beta2 = 1f, Tau = -1 };
        string[] problems = [.. settings.Problems("Aggregator:ServerOptimizer")];
        Assert.Contains(problems, p => p.Contains("Aggregator:ServerOptimizer:Kind must be one of fedavg, fedavgm, fedadam, got 'sgd'"));
        Assert.Contains(problems, p => p.Contains("LearningRate must be positive"));
        Assert.Contains(problems, p => p.Contains("Beta2 must be in [0, 1)"));
        Assert.Contains(problems, p => p.Contains("Tau must be positive"));
        Assert.Throws<ArgumentException>(() => settings.Create());
    }
}
