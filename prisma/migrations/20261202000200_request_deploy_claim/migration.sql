-- One deploy per request at a time: the attempt that sets the claim (a conditional UPDATE) deploys;
-- the others see it and answer deploy_in_progress, or the deployment once it is made.
ALTER TABLE "DeploymentRequest" ADD COLUMN "deployClaimedAt" TIMESTAMP(3);
ALTER TABLE "DeploymentRequest" ADD COLUMN "deployClaimToken" TEXT;
