# Copy to terraform.tfvars (git-ignored) and edit. Every other variable has a working default.
project_id = "my-shopstream-project"
region     = "us-central1"

# Second apply, after pushing the image (docs/deploy-gcp.md, step 5):
# pipeline_image = "us-central1-docker.pkg.dev/my-shopstream-project/shopstream/shopstream:v1"

# pipeline_min_instances = 1
# pipeline_max_instances = 10
# enable_scheduler       = true
# generator_invokers     = ["user:you@example.com"]
