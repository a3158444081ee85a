// The virtual network of a private deployment (vnetEnabled): one subnet for the Function App's
// outbound VNet integration and one for the private endpoints of storage, Key Vault and
// PostgreSQL. Flex Consumption integrates through a subnet delegated to Microsoft.App/environments,
// Elastic Premium through one delegated to Microsoft.Web/serverFarms.

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Virtual network name.')
param vnetName string

@description('True for Flex Consumption (decides the delegation of the app subnet).')
param isFlex bool

@description('Address space of the virtual network.')
param addressPrefix string = '10.0.0.0/16'

@description('Address range of the app integration subnet (at least /27 on Flex).')
param appSubnetPrefix string = '10.0.1.0/24'

@description('Address range of the private endpoint subnet.')
param privateEndpointSubnetPrefix string = '10.0.2.0/24'

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'app-delegation'
              properties: {
                serviceName: isFlex ? 'Microsoft.App/environments' : 'Microsoft.Web/serverFarms'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

@description('Virtual network resource id.')
output vnetId string = vnet.id

@description('Subnet the Function App integrates with.')
output appSubnetId string = vnet.properties.subnets[0].id

@description('Subnet of the private endpoints.')
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
