// One private endpoint with its private DNS zone (linked to the virtual network), so that the
// service's usual host name resolves to the endpoint's address from inside the network.

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Private endpoint name.')
param name string

@description('Subnet of the private endpoint.')
param subnetId string

@description('Virtual network the DNS zone is linked to.')
param vnetId string

@description('Resource id of the service (storage account, vault, server).')
param targetResourceId string

@description('Sub-resource of the service, e.g. blob, queue, table, vault, postgresqlServer.')
param groupId string

@description('Private DNS zone of that sub-resource, e.g. privatelink.blob.core.windows.net.')
param dnsZoneName string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: dnsZoneName
  location: 'global'
  tags: tags
}

resource zoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: replace(dnsZoneName, '.', '-')
        properties: {
          privateDnsZoneId: zone.id
        }
      }
    ]
  }
}
