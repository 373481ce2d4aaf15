using FedFace.Client;
using FedFace.Core.Storage;
using FedFace.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// fedface-site init-model --out FILE [--seed N]: writes a randomly initialised global model (version 0)
// for an aggregator's Aggregator:InitialModelPath. Otherwise: run the site worker.
if (args.Length > 0 && args[0] == "init-model")
{
    string output = ArgumentAfter(args, "--out") ?? "initial-model.ffm";
    int seed = int.Parse(ArgumentAfter(args, "--seed") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
    var model = GlobalModelFactory.CreateInitial(seed);
    ModelFile.Write(output, model, version: 0);
    Console.WriteLine($"wrote {output}: {model.Tensors.Count} tensors, {model.ParameterCount:N0} parameters, sha256 {model.ComputeSha256Hex()}");
    return 0;
}

// appsettings.json ships next to the binary; relative paths in settings still resolve from the working directory.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddOptions<SiteOptions>()
    .Bind(builder.Configuration.GetSection(SiteOptions.Section))
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<SiteOptions>, SiteOptionsValidator>();
builder.Services.AddHostedService<SiteWorker>();
await builder.Build().RunAsync();
return 0;

static string? ArgumentAfter(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

/// <summary>Reports every settings problem by name at start-up.</summary>
internal sealed class SiteOptionsValidator : IValidateOptions<SiteOptions>
{
    public ValidateOptionsResult Validate(string? name, SiteOptions options)
    {
        IReadOnlyList<string> problems = options.Problems(requireDataDirectory: true);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
