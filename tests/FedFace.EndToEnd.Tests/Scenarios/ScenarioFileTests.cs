using System.Text.Json;
using FedFace.CommandLine;
using FedFace.Core.Privacy;
using FedFace.EndToEnd.Tests.ConfigurationReference;
using FedFace.Simulator;
using FedFace.Simulator.Scenarios;
using Microsoft.Extensions.Configuration;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>Scenario files: the checked-in ones parse with known keys, variants override only themselves, flags override the file.</summary>
public sealed class ScenarioFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedface-scenario-").FullName;

    public static TheoryData<string> CheckedInScenarios() =>
        [.. Directory.GetFiles(ScenariosFolder(), "*.json").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    private static string ScenariosFolder() => Path.Combine(ConfigurationReferenceFreshness.RepositoryRoot(), "simulator", "scenarios");

    [Theory]
    [MemberData(nameof(CheckedInScenarios))]
    public void Every_checked_in_scenario_parses_its_keys_are_known_and_its_variants_settings_are_valid(string file)
    {
        Scenario scenario = ScenarioFile.Read(Path.Combine(ScenariosFolder(), file), SimulatorCommandLine.Settings());
        ScenarioPlan plan = ScenarioPlan.Create(scenario, [], environmentPrefix: null, out IReadOnlyList<string> problems);

        Assert.Equal(Path.GetFileNameWithoutExtension(file), scenario.Name);
        Assert.NotEmpty(scenario.Description);
        Assert.Empty(problems);
        Assert.Equal(scenario.Runs.Count, plan.Variants.Count);
    }

    [Fact]
    public void The_demo_scenario_is_what_run_demo_sh_runs()
    {
        string script = File.ReadAllText(Path.Combine(ConfigurationReferenceFreshness.RepositoryRoot(), "run-demo.sh"));
        string flags = script[(script.IndexOf("  demo=(\n", StringComparison.Ordinal) + 9)..script.IndexOf("\n  )", StringComparison.Ordinal)];
        string model = Path.Combine(FedFace.DevelopmentData.SharedData.Root, "models", "mobilefacenet_foamliu.onnx");
        string[] args = [.. flags.Replace("\"$FEDFACE_SHARED_DIR/models/mobilefacenet_foamliu.onnx\"", model, StringComparison.Ordinal)
            .Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        SimulatorCommandLine commandLine = SimulatorCommandLine.Create();
        CommandLineOutcome parsed = commandLine.Program.Parse(args, TextWriter.Null, TextWriter.Null);
        Assert.Null(parsed.ExitCode);
        SimulatorOptions script_ = SimulatorOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(commandLine.Given(parsed)).Build());

        Scenario demo = ScenarioFile.Read(Path.Combine(ScenariosFolder(), "demo.json"), SimulatorCommandLine.Settings());
        SimulatorOptions scenario = ScenarioPlan.Create(demo, [], null, out IReadOnlyList<string> problems).Variants.Single().Options;

        Assert.Empty(problems);
        script_.OutputDirectory = scenario.OutputDirectory = "";
        Assert.Equal(JsonSerializer.Serialize(script_), JsonSerializer.Serialize(scenario));
    }

    [Fact]
    public void A_variants_overrides_apply_to_it_alone_and_the_command_line_overrides_the_file_and_every_variant()
    {
        string path = Write("compare.json", """
            {
              "name": "compare", "description": "two strategies",
              "Rounds": 4, "Sites": 3, "Training": { "LearningRate": 0.05 },
              "variants": [
                { "label": "FedAvg" },
                { "label": "FedProx", "Training": { "FedProxMu": 0.01 }, "ServerOptimizer": "fedavgm" }
              ]
            }
            """);

        Scenario scenario = ScenarioFile.Read(path, SimulatorCommandLine.Settings());
        ScenarioPlan plan = ScenarioPlan.Create(scenario, [KeyValuePair.Create("Rounds", (string?)"2")], null, out IReadOnlyList<string> problems);

        Assert.Empty(problems);
        (SimulatorOptions fedAvg, SimulatorOptions fedProx) = (plan.Variants[0].Options, plan.Variants[1].Options);
        Assert.Equal((0f, "fedavg", 0.05f), (fedAvg.Training.FedProxMu, fedAvg.ServerOptimizer, fedAvg.Training.LearningRate));
        Assert.Equal((0.01f, "fedavgm", 0.05f), (fedProx.Training.FedProxMu, fedProx.ServerOptimizer, fedProx.Training.LearningRate));
        Assert.Equal((2, 2, 3, 3), (fedAvg.Rounds, fedProx.Rounds, fedAvg.Sites, fedProx.Sites));
        Assert.Equal(Path.Combine(plan.OutputDirectory, "variants", "fedprox"), fedProx.OutputDirectory);
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", "compare")), plan.OutputDirectory);
    }

    [Fact]
    public void An_unknown_key_is_refused_in_one_line_naming_the_file_the_variant_and_the_key()
    {
        string top = Write("typo.json", """{ "name": "typo", "Roundz": 3 }""");
        string inVariant = Write("variant-typo.json", """{ "name": "v", "variants": [ { "label": "fast", "Training": { "LearningRat": 0.1 } } ] }""");

        string topError = Assert.Throws<UnknownSettingsException>(() => ScenarioFile.Read(top, SimulatorCommandLine.Settings())).Message;
        string variantError = Assert.Throws<UnknownSettingsException>(() => ScenarioFile.Read(inVariant, SimulatorCommandLine.Settings())).Message;

        Assert.Equal($"{top}: unknown setting 'Roundz' (did you mean Rounds?) (every key: --help or docs/configuration.md)", topError);
        Assert.StartsWith($"{inVariant}, variant 'fast': unknown setting 'Training:LearningRat'", variantError, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', topError + variantError);
    }

    [Theory]
    [InlineData("""{ "description": "no name" }""", "the scenario has no \"name\"")]
    [InlineData("""{ "name": "x", "variants": [ { "Rounds": 2 } ] }""", "variant 1 has no \"label\"")]
    [InlineData("""{ "name": "x", "variants": [ { "label": "a b" }, { "label": "A-B" } ] }""", "variant labels must differ")]
    [InlineData("""{ "name": "x", """, "not valid JSON")]
    [InlineData("""{ "name": "x", "MaxPeople": 9, "Training": { "LocalEpochs": 1 }, "maxpeople": 12 }""", "'MaxPeople' is given twice")]
    [InlineData("""{ "name": "x", "variants": [ { "label": "a", "Training": { "LocalEpochs": 1 }, "Training:LocalEpochs": 2 } ] }""", "variant 'a': 'Training:LocalEpochs' is given twice")]
    public void A_file_that_is_not_a_scenario_is_refused_naming_the_file_and_what_is_wrong(string text, string problem)
    {
        string path = Write("bad.json", text);

        string error = Assert.Throws<InvalidDataException>(() => ScenarioFile.Read(path, SimulatorCommandLine.Settings())).Message;

        Assert.StartsWith(path, error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_variant_that_would_change_the_prepared_data_or_break_a_setting_is_refused_by_its_label()
    {
        string path = Write("data.json", """
            { "name": "data", "variants": [ { "label": "base" }, { "label": "more sites", "Sites": 6, "Partition": { "Sizes": "zipf" } }, { "label": "bad", "Rounds": 0 } ] }
            """);

        ScenarioPlan.Create(ScenarioFile.Read(path, SimulatorCommandLine.Settings()), [], null, out IReadOnlyList<string> problems);

        Assert.Equal("variant 'bad': --rounds must be at least 1, got 0", problems[0]);
        Assert.All(problems, problem => Assert.StartsWith("variant 'bad': ", problem, StringComparison.Ordinal));
        string fixedRounds = Write("data2.json", File.ReadAllText(path).Replace("\"Rounds\": 0", "\"Rounds\": 2", StringComparison.Ordinal));
        ScenarioPlan.Create(ScenarioFile.Read(fixedRounds, SimulatorCommandLine.Settings()), [], null, out problems);
        Assert.Equal(["variant 'more sites' changes the prepared data (Sites, Partition); training variants share the first one's ('base') data: make it a scenario of its own"], problems);
    }

    [Fact]
    public void The_scale_scenario_runs_through_the_engine_with_synthetic_sites_and_prepares_no_faces()
    {
        ScenarioPlan plan = ScenarioPlan.Create(ScenarioFile.Read(Path.Combine(ScenariosFolder(), "scale.json"), SimulatorCommandLine.Settings()), [], null,
            out IReadOnlyList<string> problems);

        Assert.Empty(problems);
        Assert.Equal(["plain", "SecAgg+"], plan.Variants.Select(v => v.Variant.Label));
        Assert.All(plan.Variants, v => Assert.Equal(("synthetic", 10_000, 0.1), (v.Options.Engine.SiteWork, v.Options.Sites, v.Options.SampleFraction)));
        Assert.All(plan.Variants, v => Assert.Null(PreparedDataShape.Of(v.Options)));
        Assert.Same(ScenarioFaces.None, ScenarioFaces.Prepare(plan, TextWriter.Null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None));
    }

    [Fact]
    public void Training_variants_share_one_data_shape_and_variants_that_do_not_train_mix_with_any()
    {
        string path = Write("mixed.json", """
            { "name": "mixed", "Sites": 4, "variants": [
              { "label": "synthetic", "Sites": 40, "Engine": { "SiteWork": "synthetic" } },
              { "label": "train" },
              { "label": "FedProx", "Training": { "FedProxMu": 0.01 } },
              { "label": "pooled", "Engine": { "PeoplePerSite": 3 } } ] }
            """);

        ScenarioPlan.Create(ScenarioFile.Read(path, SimulatorCommandLine.Settings()), [], null, out IReadOnlyList<string> problems);

        Assert.Equal(["variant 'pooled' changes the prepared data (PeoplePerSite); training variants share the first one's ('train') data: make it a scenario of its own"], problems);
    }

    [Fact]
    public void The_privacy_scenarios_noise_spends_about_the_epsilon_its_labels_promise_after_its_rounds()
    {
        Scenario privacy = ScenarioFile.Read(Path.Combine(ScenariosFolder(), "privacy.json"), SimulatorCommandLine.Settings());
        ScenarioPlan plan = ScenarioPlan.Create(privacy, [], null, out _);

        double[] spent = [.. plan.Variants.Skip(1).Select(v =>
        {
            var accountant = new RdpAccountant();
            accountant.Compose(samplingRate: v.Options.SampleFraction, v.Options.DpNoise, rounds: v.Options.Rounds);
            return accountant.Spent(v.Options.DpDelta).Epsilon;
        })];

        Assert.Equal("off", plan.Variants[0].Options.Dp);
        Assert.InRange(spent[0], 7.5, 8.0);
        Assert.InRange(spent[1], 1.8, 2.0);
        Assert.Equal([true, true], plan.Variants.Skip(1).Zip(spent, (v, epsilon) => v.Options.DpEpsilonBudget > epsilon));
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
