return FedFace.Certs.Cli.Run(args, Console.Out, Console.Error);
